/// SQLite's keywords (3.40), and which of them SQLite lets stand for a name.
///
/// `isNonReserved` mirrors parse.y's `%fallback ID` list: such keywords are names wherever a
/// keyword cannot appear (`SELECT key FROM t`). `WINDOW`, `OVER` and `FILTER` are not keywords at
/// all to the lexer: like SQLite's tokenizer, the parser recognises them from context.
public enum Keyword: String, Sendable, Hashable, CaseIterable {
    case abort = "ABORT"
    case action = "ACTION"
    case add = "ADD"
    case after = "AFTER"
    case all = "ALL"
    case alter = "ALTER"
    case always = "ALWAYS"
    case analyze = "ANALYZE"
    case and = "AND"
    case `as` = "AS"
    case asc = "ASC"
    case attach = "ATTACH"
    case autoincrement = "AUTOINCREMENT"
    case before = "BEFORE"
    case begin = "BEGIN"
    case between = "BETWEEN"
    case by = "BY"
    case cascade = "CASCADE"
    case `case` = "CASE"
    case cast = "CAST"
    case check = "CHECK"
    case collate = "COLLATE"
    case column = "COLUMN"
    case commit = "COMMIT"
    case conflict = "CONFLICT"
    case constraint = "CONSTRAINT"
    case create = "CREATE"
    case cross = "CROSS"
    case current = "CURRENT"
    case currentDate = "CURRENT_DATE"
    case currentTime = "CURRENT_TIME"
    case currentTimestamp = "CURRENT_TIMESTAMP"
    case database = "DATABASE"
    case `default` = "DEFAULT"
    case deferrable = "DEFERRABLE"
    case deferred = "DEFERRED"
    case delete = "DELETE"
    case desc = "DESC"
    case detach = "DETACH"
    case distinct = "DISTINCT"
    case `do` = "DO"
    case drop = "DROP"
    case each = "EACH"
    case `else` = "ELSE"
    case end = "END"
    case escape = "ESCAPE"
    case except = "EXCEPT"
    case exclude = "EXCLUDE"
    case exclusive = "EXCLUSIVE"
    case exists = "EXISTS"
    case explain = "EXPLAIN"
    case fail = "FAIL"
    case first = "FIRST"
    case following = "FOLLOWING"
    case `for` = "FOR"
    case foreign = "FOREIGN"
    case from = "FROM"
    case full = "FULL"
    case generated = "GENERATED"
    case glob = "GLOB"
    case group = "GROUP"
    case groups = "GROUPS"
    case having = "HAVING"
    case `if` = "IF"
    case ignore = "IGNORE"
    case immediate = "IMMEDIATE"
    case `in` = "IN"
    case index = "INDEX"
    case indexed = "INDEXED"
    case initially = "INITIALLY"
    case inner = "INNER"
    case insert = "INSERT"
    case instead = "INSTEAD"
    case intersect = "INTERSECT"
    case into = "INTO"
    case `is` = "IS"
    case isnull = "ISNULL"
    case join = "JOIN"
    case key = "KEY"
    case last = "LAST"
    case left = "LEFT"
    case like = "LIKE"
    case limit = "LIMIT"
    case match = "MATCH"
    case materialized = "MATERIALIZED"
    case natural = "NATURAL"
    case no = "NO"
    case not = "NOT"
    case nothing = "NOTHING"
    case notnull = "NOTNULL"
    case null = "NULL"
    case nulls = "NULLS"
    case of = "OF"
    case offset = "OFFSET"
    case on = "ON"
    case or = "OR"
    case order = "ORDER"
    case others = "OTHERS"
    case outer = "OUTER"
    case partition = "PARTITION"
    case plan = "PLAN"
    case pragma = "PRAGMA"
    case preceding = "PRECEDING"
    case primary = "PRIMARY"
    case query = "QUERY"
    case raise = "RAISE"
    case range = "RANGE"
    case recursive = "RECURSIVE"
    case references = "REFERENCES"
    case regexp = "REGEXP"
    case reindex = "REINDEX"
    case release = "RELEASE"
    case rename = "RENAME"
    case replace = "REPLACE"
    case restrict = "RESTRICT"
    case returning = "RETURNING"
    case right = "RIGHT"
    case rollback = "ROLLBACK"
    case row = "ROW"
    case rows = "ROWS"
    case savepoint = "SAVEPOINT"
    case select = "SELECT"
    case `set` = "SET"
    case table = "TABLE"
    case temp = "TEMP"
    case temporary = "TEMPORARY"
    case then = "THEN"
    case ties = "TIES"
    case to = "TO"
    case transaction = "TRANSACTION"
    case trigger = "TRIGGER"
    case unbounded = "UNBOUNDED"
    case union = "UNION"
    case unique = "UNIQUE"
    case update = "UPDATE"
    case using = "USING"
    case vacuum = "VACUUM"
    case values = "VALUES"
    case view = "VIEW"
    case virtual = "VIRTUAL"
    case when = "WHEN"
    case `where` = "WHERE"
    case `with` = "WITH"
    case without = "WITHOUT"

    /// Looks up a word case-insensitively (ASCII only, as in SQLite).
    public static func lookup(_ word: some StringProtocol) -> Keyword? {
        lookup(bytes: Array(word.utf8)[...])
    }

    /// Looks up a word given as UTF-8 bytes, without allocating or hashing: the lexer calls this
    /// for every word, so candidates are bucketed by length and first letter and compared byte by
    /// byte (about two candidates per bucket).
    public static func lookup(bytes: ArraySlice<UInt8>) -> Keyword? {
        guard let bucket = bucketIndex(length: bytes.count, first: bytes.first) else { return nil }
        candidates: for (keyword, spelling) in buckets[bucket] {
            var i = bytes.startIndex
            for expected in spelling {
                let byte = bytes[i]
                if (byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte) != expected { continue candidates }
                i += 1
            }
            return keyword
        }
        return nil
    }

    private static let longest = 17  // CURRENT_TIMESTAMP

    private static func bucketIndex(length: Int, first: UInt8?) -> Int? {
        guard length >= 2, length <= longest, var letter = first else { return nil }
        if letter >= 0x61 && letter <= 0x7A { letter -= 0x20 }
        guard letter >= 0x41 && letter <= 0x5A else { return nil }
        return length * 26 + Int(letter - 0x41)
    }

    private static let buckets: [[(Keyword, [UInt8])]] = {
        var buckets = [[(Keyword, [UInt8])]](repeating: [], count: (longest + 1) * 26)
        for keyword in allCases {
            let spelling = Array(keyword.rawValue.utf8)
            buckets[bucketIndex(length: spelling.count, first: spelling.first)!].append((keyword, spelling))
        }
        return buckets
    }()

    /// Whether SQLite accepts this keyword as an identifier (`%fallback ID` in parse.y).
    public var isNonReserved: Bool {
        switch self {
        case .abort, .action, .after, .always, .analyze, .asc, .attach, .before, .begin, .by, .cascade, .cast,
            .column, .conflict, .current, .currentDate, .currentTime, .currentTimestamp, .database, .deferred,
            .desc, .detach, .`do`, .each, .end, .exclude, .exclusive, .explain, .fail, .first, .following,
            .`for`, .generated, .glob, .groups, .`if`, .ignore, .immediate, .initially, .instead, .key, .last,
            .like, .match, .materialized, .no, .nulls, .of, .offset, .others, .partition, .plan, .pragma,
            .preceding, .query, .raise, .range, .recursive, .regexp, .reindex, .release, .rename, .replace,
            .restrict, .row, .rows, .savepoint, .temp, .temporary, .ties, .trigger, .unbounded, .vacuum,
            .view, .virtual, .`with`, .without:
            return true
        default:
            return false
        }
    }

    /// `NATURAL LEFT RIGHT FULL INNER CROSS OUTER`: SQLite's JOIN_KW, which may also name a table
    /// or column (but not be an implicit alias).
    public var isJoinKeyword: Bool {
        switch self {
        case .natural, .left, .right, .full, .inner, .cross, .outer: return true
        default: return false
        }
    }
}
