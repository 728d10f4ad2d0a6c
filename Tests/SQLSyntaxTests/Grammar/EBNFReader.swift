/// Recursive-descent reader behind ``EBNFGrammar/init(parsing:)``.
///
/// Precedence, loosest first: `|`, juxtaposition (sequence), postfix `?` `*` `+`.
struct EBNFReader {
    private enum Token: Equatable {
        case name(String)
        case definedAs
        case bar
        case openParen
        case closeParen
        case question
        case star
        case plus
        case quoted(String)
        case characterClass(EBNFGrammar.CharacterClass)
    }

    private typealias ReadError = EBNFGrammar.ReadError
    private typealias Expression = EBNFGrammar.Expression

    private var tokens: [(token: Token, line: Int)] = []
    private var position = 0
    private let text: String

    init(text: String) {
        self.text = text
    }

    mutating func readRules() throws -> [EBNFGrammar.Rule] {
        tokens = try Self.tokenize(Array(text.unicodeScalars))
        position = 0
        var rules: [EBNFGrammar.Rule] = []
        while position < tokens.count {
            guard case .name(let name) = tokens[position].token, peek(1) == .definedAs else {
                throw ReadError(message: "expected 'name ::='", line: tokens[position].line)
            }
            let line = tokens[position].line
            position += 2
            let body = try readChoice()
            rules.append(EBNFGrammar.Rule(name: name, body: body, line: line))
        }
        return rules
    }

    // MARK: Syntax

    private func peek(_ offset: Int = 0) -> Token? {
        position + offset < tokens.count ? tokens[position + offset].token : nil
    }

    private var currentLine: Int {
        position < tokens.count ? tokens[position].line : (tokens.last?.line ?? 1)
    }

    /// True where the next tokens start the following rule, which ends the current one.
    private var atRuleEnd: Bool {
        guard let token = peek() else { return true }
        if case .name = token, peek(1) == .definedAs { return true }
        return false
    }

    private mutating func readChoice() throws -> Expression {
        var alternatives = [try readSequence()]
        while peek() == .bar {
            position += 1
            alternatives.append(try readSequence())
        }
        return alternatives.count == 1 ? alternatives[0] : .choice(alternatives)
    }

    private mutating func readSequence() throws -> Expression {
        var items: [Expression] = []
        while !atRuleEnd, let token = peek(), token != .bar, token != .closeParen {
            items.append(try readPostfix())
        }
        guard !items.isEmpty else { throw ReadError(message: "empty alternative", line: currentLine) }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func readPostfix() throws -> Expression {
        var expression = try readPrimary()
        while let token = peek() {
            switch token {
            case .question: expression = .optional(expression)
            case .star: expression = .zeroOrMore(expression)
            case .plus: expression = .oneOrMore(expression)
            default: return expression
            }
            position += 1
        }
        return expression
    }

    private mutating func readPrimary() throws -> Expression {
        guard let token = peek() else { throw ReadError(message: "unexpected end of grammar", line: currentLine) }
        position += 1
        switch token {
        case .name(let name):
            return .reference(name)
        case .quoted(let text):
            return .terminal(text)
        case .characterClass(let characterClass):
            return .characterClass(characterClass)
        case .openParen:
            let inner = try readChoice()
            guard peek() == .closeParen else { throw ReadError(message: "expected ')'", line: currentLine) }
            position += 1
            return inner
        default:
            throw ReadError(message: "unexpected \(token)", line: tokens[position - 1].line)
        }
    }

    // MARK: Tokens

    private static func tokenize(_ scalars: [Unicode.Scalar]) throws -> [(token: Token, line: Int)] {
        var result: [(token: Token, line: Int)] = []
        var index = 0
        var line = 1

        func at(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        func readCodePoint() throws -> UInt32 {
            // At "#x": read the hex digits that follow.
            index += 2
            var digits = ""
            while let scalar = at(0), scalar.properties.isASCIIHexDigit {
                digits.unicodeScalars.append(scalar)
                index += 1
            }
            guard let value = UInt32(digits, radix: 16) else {
                throw ReadError(message: "malformed #x code point", line: line)
            }
            return value
        }

        while let scalar = at(0) {
            switch scalar {
            case "\n":
                line += 1
                index += 1
            case " ", "\t", "\r":
                index += 1
            case "/" where at(1) == "*":
                let startLine = line
                index += 2
                while !(at(0) == "*" && at(1) == "/") {
                    guard let inside = at(0) else { throw ReadError(message: "unterminated comment", line: startLine) }
                    if inside == "\n" { line += 1 }
                    index += 1
                }
                index += 2
            case ":" where at(1) == ":" && at(2) == "=":
                result.append((.definedAs, line))
                index += 3
            case "|": result.append((.bar, line)); index += 1
            case "(": result.append((.openParen, line)); index += 1
            case ")": result.append((.closeParen, line)); index += 1
            case "?": result.append((.question, line)); index += 1
            case "*": result.append((.star, line)); index += 1
            case "+": result.append((.plus, line)); index += 1
            case "'", "\"":
                index += 1
                var text = ""
                while let inside = at(0), inside != scalar {
                    guard inside != "\n" else { throw ReadError(message: "unterminated terminal", line: line) }
                    text.unicodeScalars.append(inside)
                    index += 1
                }
                guard at(0) == scalar, !text.isEmpty else {
                    throw ReadError(message: "unterminated or empty terminal", line: line)
                }
                index += 1
                result.append((.quoted(text), line))
            case "#" where at(1) == "x":
                let value = try readCodePoint()
                result.append((.characterClass(.init(isNegated: false, ranges: [value...value])), line))
            case "[":
                index += 1
                var isNegated = false
                if at(0) == "^" {
                    isNegated = true
                    index += 1
                }
                var ranges: [ClosedRange<UInt32>] = []
                while let inside = at(0), inside != "]" {
                    guard inside != "\n" else { throw ReadError(message: "unterminated character class", line: line) }
                    let low: UInt32
                    if inside == "#", at(1) == "x" {
                        low = try readCodePoint()
                    } else {
                        low = inside.value
                        index += 1
                    }
                    var high = low
                    if at(0) == "-", let next = at(1), next != "]" {
                        index += 1
                        if next == "#", at(1) == "x" {
                            high = try readCodePoint()
                        } else {
                            high = next.value
                            index += 1
                        }
                    }
                    guard low <= high else { throw ReadError(message: "reversed character range", line: line) }
                    ranges.append(low...high)
                }
                guard at(0) == "]", !ranges.isEmpty else {
                    throw ReadError(message: "unterminated or empty character class", line: line)
                }
                index += 1
                result.append((.characterClass(.init(isNegated: isNegated, ranges: ranges)), line))
            default:
                guard scalar.properties.isAlphabetic || scalar == "_" else {
                    throw ReadError(message: "unexpected character '\(scalar)'", line: line)
                }
                var name = ""
                while let inside = at(0),
                    inside.properties.isAlphabetic || inside.properties.numericType != nil
                        || inside == "_" || inside == "-"
                {
                    name.unicodeScalars.append(inside)
                    index += 1
                }
                result.append((.name(name), line))
            }
        }
        return result
    }
}
