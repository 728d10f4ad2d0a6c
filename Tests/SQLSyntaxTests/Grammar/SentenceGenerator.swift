import TestSupport

/// Derives random sentences from an ``EBNFGrammar``, deterministically from a seed.
///
/// Lexical rules are not expanded: each is replaced by a word from a small fixed pool (``pools``),
/// so generated identifiers never collide with keywords. Every other rule is expanded with a depth
/// budget: each rule reference spends one unit, and an alternative, optional part or repetition is
/// only chosen when its minimal derivation depth still fits in what is left. When nothing fits, the
/// alternative of smallest minimal depth is taken, so generation always terminates. Tokens are
/// separated by one space.
///
/// ```swift
/// var generator = try SentenceGenerator(grammar: .shardQL(), seed: 42)
/// generator.sentence(from: "expr", budget: 30)  // e.g. "a . b2 COLLATE [b] IS NOT NULL"
/// ```
struct SentenceGenerator {
    /// Token pools for the lexical rules, chosen to be valid in every context and never a keyword.
    static let pools: [String: [String]] = [
        "identifier": ["t1", "a", "b2", "_x", "\"quoted id\"", "[b]", "`c`"],
        "string-literal": ["'x'", "'it''s'", "''", "'hello world'"],
        "blob-literal": ["X'0A'", "x''", "X'CAFE'"],
        "numeric-literal": ["0", "12", "1.5", "0x1F", "1e3", ".5", "1.", "1.5E-3"],
        "integer-literal": ["1", "4", "12"],
        "bind-parameter": ["?", "?1", "?12", ":p", "@p", "$p"],
    ]

    /// Relative weights for the alternatives of a few top-level rules (by position), so that a
    /// uniform choice does not make EXPLAIN or ANALYZE as common as all other statements together.
    /// A rule not listed, or listed with the wrong number of weights, chooses uniformly.
    static let choiceWeights: [String: [Int]] = [
        "sql-stmt": [8, 1],
        // analyze, then select, insert, update, delete and create table, then the other 15 statements.
        "statement": [1, 3, 2, 2, 2, 3] + Array(repeating: 1, count: 15),
        // Leaves (literal, parameter, column) over nesting forms; RAISE is valid only in triggers.
        "primary-expr": [4, 2, 4, 1, 1, 1, 1, 1, 1, 2, 1],
    ]

    /// Per-rule probability of each further repetition of the `*` and `+` directly in that rule,
    /// where the default would make a construct rare (column and foreign key constraints).
    static let repeatProbabilities: [String: Double] = [
        "column-def": 0.6,
        "create-table-stmt": 0.4,
        "foreign-key-clause": 0.5,
        "upsert-clause": 0.3,
    ]

    /// Probability of taking an optional part, and of each further repetition of `*` and `+`.
    var optionalProbability = 0.3
    var repeatProbability = 0.15
    var maxRepetitions = 4

    private let grammar: EBNFGrammar
    private var random: SplitMix64
    private let ruleDepth: [String: Int]
    private var tokens: [String] = []

    init(grammar: EBNFGrammar, seed: UInt64) throws {
        self.grammar = grammar
        self.random = SplitMix64(seed: seed)
        self.ruleDepth = Self.minimalRuleDepths(of: grammar)
        let missing = grammar.undefinedReferences()
        guard missing.isEmpty else {
            throw EBNFGrammar.ReadError(message: "undefined rules: \(missing.map(\.missing))", line: 0)
        }
    }

    /// One random sentence derived from `rule`.
    mutating func sentence(from rule: String, budget: Int) -> String {
        tokens.removeAll(keepingCapacity: true)
        expand(.reference(rule), in: rule, budget: budget)
        return tokens.joined(separator: " ")
    }

    // MARK: Minimal depths

    /// The fewest nested rule references needed to derive a sentence from each rule; a pooled
    /// lexical rule counts as one.
    static func minimalRuleDepths(of grammar: EBNFGrammar) -> [String: Int] {
        var depths: [String: Int] = [:]
        for name in grammar.ruleNames where pools[name] != nil { depths[name] = 1 }
        var changed = true
        while changed {
            changed = false
            for rule in grammar.rules where pools[rule.name] == nil {
                let body = depth(of: rule.body, ruleDepths: depths)
                guard body < Int.max else { continue }
                if body + 1 < depths[rule.name, default: Int.max] {
                    depths[rule.name] = body + 1
                    changed = true
                }
            }
        }
        return depths
    }

    private static func depth(of expression: EBNFGrammar.Expression, ruleDepths: [String: Int]) -> Int {
        switch expression {
        case .terminal, .characterClass, .optional, .zeroOrMore:
            return 0
        case .reference(let name):
            return ruleDepths[name, default: pools[name] != nil ? 1 : Int.max]
        case .sequence(let items):
            return items.map { depth(of: $0, ruleDepths: ruleDepths) }.max() ?? 0
        case .choice(let items):
            return items.map { depth(of: $0, ruleDepths: ruleDepths) }.min() ?? 0
        case .oneOrMore(let item):
            return depth(of: item, ruleDepths: ruleDepths)
        }
    }

    private func depth(of expression: EBNFGrammar.Expression) -> Int {
        Self.depth(of: expression, ruleDepths: ruleDepth)
    }

    // MARK: Expansion

    /// Expands `expression`, which is part of the body of `rule`.
    private mutating func expand(_ expression: EBNFGrammar.Expression, in rule: String, budget: Int) {
        switch expression {
        case .terminal(let text):
            tokens.append(text)
        case .characterClass(let characterClass):
            tokens.append(sample(characterClass))
        case .reference(let name):
            if let pool = Self.pools[name] {
                tokens.append(random.element(of: pool))
            } else if case .choice(let alternatives)? = grammar.body(of: name),
                let weights = Self.choiceWeights[name], weights.count == alternatives.count
            {
                expand(choose(among: alternatives, weights: weights, budget: budget - 1), in: name, budget: budget - 1)
            } else if let body = grammar.body(of: name) {
                expand(body, in: name, budget: budget - 1)
            }
        case .sequence(let items):
            for item in items { expand(item, in: rule, budget: budget) }
        case .choice(let alternatives):
            let weights = Array(repeating: 1, count: alternatives.count)
            expand(choose(among: alternatives, weights: weights, budget: budget), in: rule, budget: budget)
        case .optional(let item):
            if depth(of: item) <= budget, random.chance(optionalProbability) {
                expand(item, in: rule, budget: budget)
            }
        case .zeroOrMore(let item):
            repeatExpanding(item, in: rule, budget: budget, count: 0)
        case .oneOrMore(let item):
            expand(item, in: rule, budget: budget)
            repeatExpanding(item, in: rule, budget: budget, count: 1)
        }
    }

    /// A weighted random alternative among those whose minimal depth fits in `budget`; when none
    /// fits, one of those with the smallest minimal depth.
    private mutating func choose(
        among alternatives: [EBNFGrammar.Expression],
        weights: [Int],
        budget: Int
    ) -> EBNFGrammar.Expression {
        let depths = alternatives.map { depth(of: $0) }
        var candidates = alternatives.indices.filter { depths[$0] <= budget }
        if candidates.isEmpty {
            let smallest = depths.min()!
            candidates = alternatives.indices.filter { depths[$0] == smallest }
        }
        var ticket = random.next(below: candidates.reduce(0) { $0 + weights[$1] })
        for index in candidates {
            if ticket < weights[index] { return alternatives[index] }
            ticket -= weights[index]
        }
        return alternatives[candidates[0]]
    }

    private mutating func repeatExpanding(_ item: EBNFGrammar.Expression, in rule: String, budget: Int, count: Int) {
        var count = count
        let probability = Self.repeatProbabilities[rule] ?? repeatProbability
        while count < maxRepetitions, depth(of: item) <= budget, random.chance(probability) {
            expand(item, in: rule, budget: budget)
            count += 1
        }
    }

    /// A printable ASCII character from the class (pooled rules make this rare).
    private mutating func sample(_ characterClass: EBNFGrammar.CharacterClass) -> String {
        let candidates = (0x21...0x7E).compactMap(Unicode.Scalar.init).filter(characterClass.contains)
        return candidates.isEmpty ? "" : String(random.element(of: candidates))
    }
}
