/// Splits a script into statements the way `sqlite3_complete` does: at each `;` that is not
/// inside a `CREATE TRIGGER … BEGIN … END` body, a string, a quoted name or a comment.
///
/// Used by the batch runner (to run statements one at a time, like `sqlite3`) and the REPL
/// (to know when a multi-line statement is complete).
public struct SQLScript: Sendable {
    /// One statement's text, with the offset where it starts in the script.
    public struct Piece: Sendable, Hashable {
        public var text: Substring
        /// UTF-8 offset of the piece's first byte in the script.
        public var offset: Int
        /// Whether the piece ended with its terminating `;` (false for a trailing fragment).
        public var isComplete: Bool
    }

    public let source: String

    public init(_ source: String) {
        self.source = source
    }

    /// The statements, each including its terminating `;`. Pieces holding only whitespace and
    /// comments are dropped.
    public var pieces: [Piece] {
        let tokens = Lexer.tokenize(source)
        let utf8 = source.utf8
        var pieces: [Piece] = []
        var state = State.start
        var pieceStart: Int?
        for token in tokens {
            if token.kind == .endOfInput { break }
            if pieceStart == nil { pieceStart = token.start }
            state = state.next(token)
            if state == .start, let start = pieceStart {
                pieces.append(Piece(text: slice(utf8, start, token.end), offset: start, isComplete: true))
                pieceStart = nil
            }
        }
        if let start = pieceStart {
            pieces.append(Piece(text: slice(utf8, start, utf8.count), offset: start, isComplete: false))
        }
        return pieces.filter { piece in
            // A lone `;` is an empty statement.
            piece.text.utf8.count != 1 || piece.text.first != ";"
        }
    }

    /// Whether the script ends at a statement boundary (what `sqlite3_complete` answers).
    public var isComplete: Bool {
        pieces.last?.isComplete ?? true
    }

    private func slice(_ utf8: String.UTF8View, _ start: Int, _ end: Int) -> Substring {
        let lower = utf8.index(utf8.startIndex, offsetBy: start)
        let upper = utf8.index(utf8.startIndex, offsetBy: end)
        return source[lower..<upper]
    }

    /// sqlite3_complete's state machine (complete.c), over tokens: whitespace is already gone.
    private enum State: Int {
        case start = 1, normal, explain, create, trigger, semi, end

        /// complete.c's `trans` table; columns: `;` other EXPLAIN CREATE TEMP TRIGGER END.
        private static let transitions: [[Int]] = [
            /* start   */ [1, 2, 3, 4, 2, 2, 2],
            /* normal  */ [1, 2, 2, 2, 2, 2, 2],
            /* explain */ [1, 3, 2, 4, 2, 2, 2],
            /* create  */ [1, 2, 2, 2, 4, 5, 2],
            /* trigger */ [6, 5, 5, 5, 5, 5, 5],
            /* semi    */ [6, 5, 5, 5, 5, 5, 7],
            /* end     */ [1, 5, 5, 5, 5, 5, 5],
        ]

        func next(_ token: Token) -> State {
            let column =
                switch token.kind {
                case .punctuation(.semicolon): 0
                case .keyword(.explain): 2
                case .keyword(.create): 3
                case .keyword(.temp), .keyword(.temporary): 4
                case .keyword(.trigger): 5
                case .keyword(.end): 6
                default: 1
                }
            return State(rawValue: Self.transitions[rawValue - 1][column])!
        }
    }
}
