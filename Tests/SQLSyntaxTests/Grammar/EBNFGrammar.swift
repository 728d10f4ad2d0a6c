import Foundation

/// A grammar read from a file in W3C EBNF notation (https://www.w3.org/TR/xml/#sec-notation).
///
/// Supports what `grammar/shardql.ebnf` uses: `name ::= expression` rules, alternatives `|`,
/// grouping `( )`, the postfix operators `?` `*` `+`, terminals in single or double quotes,
/// character classes `[a-z]` / `[^...]` with `#xN` code points, bare `#xN` characters, and
/// `/* comments */`. A rule ends where the next `name ::=` begins.
///
/// ```swift
/// let grammar = try EBNFGrammar(parsing: "greeting ::= 'HELLO' name?  name ::= [a-z]+")
/// grammar.undefinedReferences()  // []
/// ```
struct EBNFGrammar: Sendable {
    /// The right-hand side of a rule.
    indirect enum Expression: Hashable, Sendable {
        case terminal(String)
        case reference(String)
        case characterClass(CharacterClass)
        case sequence([Expression])
        case choice([Expression])
        case optional(Expression)
        case zeroOrMore(Expression)
        case oneOrMore(Expression)
    }

    /// `[a-z]`, `[^"]`, `[#x9#xA]`, or a bare `#xN` (a one-character class).
    struct CharacterClass: Hashable, Sendable {
        var isNegated: Bool
        var ranges: [ClosedRange<UInt32>]

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(scalar.value) } != isNegated
        }
    }

    struct Rule: Hashable, Sendable {
        var name: String
        var body: Expression
        /// 1-based line of the rule's name in the source text.
        var line: Int
    }

    struct ReadError: Error, CustomStringConvertible {
        var message: String
        var line: Int
        var description: String { "EBNF error at line \(line): \(message)" }
    }

    /// The rules in source order.
    private(set) var rules: [Rule]
    private let bodies: [String: Expression]

    init(parsing text: String) throws {
        var reader = EBNFReader(text: text)
        rules = try reader.readRules()
        var bodies: [String: Expression] = [:]
        for rule in rules {
            guard bodies[rule.name] == nil else {
                throw ReadError(message: "rule '\(rule.name)' is defined twice", line: rule.line)
            }
            bodies[rule.name] = rule.body
        }
        self.bodies = bodies
    }

    /// Reads `grammar/shardql.ebnf`, found by walking up from this source file to the package root.
    static func shardQL(filePath: String = #filePath) throws -> EBNFGrammar {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("grammar/shardql.ebnf")
            if FileManager.default.fileExists(atPath: candidate.path) {
                return try EBNFGrammar(parsing: String(contentsOf: candidate, encoding: .utf8))
            }
            directory.deleteLastPathComponent()
        }
        throw ReadError(message: "grammar/shardql.ebnf not found above \(filePath)", line: 0)
    }

    func body(of rule: String) -> Expression? { bodies[rule] }

    var ruleNames: [String] { rules.map(\.name) }

    /// Rule names referenced anywhere in `expression`.
    static func references(in expression: Expression) -> Set<String> {
        switch expression {
        case .terminal, .characterClass:
            return []
        case .reference(let name):
            return [name]
        case .sequence(let items), .choice(let items):
            return items.reduce(into: Set<String>()) { $0.formUnion(references(in: $1)) }
        case .optional(let item), .zeroOrMore(let item), .oneOrMore(let item):
            return references(in: item)
        }
    }

    /// `(rule, missing)` pairs for every reference to a rule that is not defined.
    func undefinedReferences() -> [(rule: String, missing: String)] {
        rules.flatMap { rule in
            Self.references(in: rule.body).sorted().filter { bodies[$0] == nil }.map { (rule.name, $0) }
        }
    }

    /// Rules that no derivation from `roots` can reach, in source order.
    func unreachableRules(from roots: [String]) -> [String] {
        var reached = Set<String>()
        var pending = roots
        while let name = pending.popLast() {
            guard reached.insert(name).inserted, let body = bodies[name] else { continue }
            pending.append(contentsOf: Self.references(in: body))
        }
        return ruleNames.filter { !reached.contains($0) }
    }

    /// Every quoted terminal, in upper case, that the rules reachable from `roots` use.
    func terminals(reachableFrom roots: [String]) -> Set<String> {
        let unreachable = Set(unreachableRules(from: roots))
        var result = Set<String>()
        func collect(_ expression: Expression) {
            switch expression {
            case .terminal(let text): result.insert(text.uppercased())
            case .reference, .characterClass: break
            case .sequence(let items), .choice(let items): items.forEach(collect)
            case .optional(let item), .zeroOrMore(let item), .oneOrMore(let item): collect(item)
            }
        }
        for rule in rules where !unreachable.contains(rule.name) { collect(rule.body) }
        return result
    }
}
