import Testing

/// Checks on `grammar/shardql.ebnf` itself; they need nothing from the parser.
@Suite("grammar/shardql.ebnf")
struct GrammarFileTests {
    /// Whitespace and comments may stand between any two tokens, so the grammar never references
    /// `token-separator`: it is the second root beside the start symbol.
    static let roots = ["sql-stmt-list", "token-separator"]

    @Test("every referenced rule is defined")
    func noUndefinedRules() throws {
        let grammar = try EBNFGrammar.shardQL()
        let undefined = grammar.undefinedReferences()
        #expect(undefined.isEmpty, "undefined: \(undefined.map { "\($0.rule) → \($0.missing)" })")
    }

    @Test("every rule is reachable from the start symbol")
    func everyRuleReachable() throws {
        let grammar = try EBNFGrammar.shardQL()
        #expect(grammar.body(of: "sql-stmt-list") != nil)
        #expect(grammar.unreachableRules(from: Self.roots) == [])
    }

    @Test("the generator's pools and weights name real rules")
    func poolsNameRealRules() throws {
        let grammar = try EBNFGrammar.shardQL()
        for name in SentenceGenerator.pools.keys {
            #expect(grammar.body(of: name) != nil, "pool for unknown rule \(name)")
        }
        // Weights silently fall back to a uniform choice when the grammar's alternatives change.
        for (name, weights) in SentenceGenerator.choiceWeights {
            guard case .choice(let alternatives)? = grammar.body(of: name) else {
                Issue.record("weighted rule \(name) is not a choice")
                continue
            }
            #expect(alternatives.count == weights.count, "\(name) has \(alternatives.count) alternatives")
        }
        for name in SentenceGenerator.repeatProbabilities.keys {
            #expect(grammar.body(of: name) != nil, "repeat probability for unknown rule \(name)")
        }
        // Every rule has a finite derivation, so generation from any rule terminates.
        let depths = SentenceGenerator.minimalRuleDepths(of: grammar)
        #expect(grammar.ruleNames.filter { depths[$0] == nil } == [])
    }

    @Test("generation is deterministic for a seed and always terminates")
    func deterministicGeneration() throws {
        let grammar = try EBNFGrammar.shardQL()
        for rule in ["sql-stmt", "expr", "select-stmt"] {
            var first = try SentenceGenerator(grammar: grammar, seed: 7)
            var second = try SentenceGenerator(grammar: grammar, seed: 7)
            for _ in 0..<50 {
                let sentence = first.sentence(from: rule, budget: 40)
                #expect(sentence == second.sentence(from: rule, budget: 40))
                #expect(!sentence.isEmpty)
            }
            // A budget of zero must still produce a (minimal) sentence.
            #expect(!first.sentence(from: rule, budget: 0).isEmpty)
        }
    }

    @Test("the reader handles the notation")
    func readerHandlesNotation() throws {
        let grammar = try EBNFGrammar(
            parsing: """
                /* a comment with 'quotes' */
                list ::= item ( ',' item )* ';'?
                item ::= "it's" | '/*' | [a-z#x5F]+ | [^#x5D] | #xA | ( 'X' 'Y' )+
                """
        )
        #expect(grammar.ruleNames == ["list", "item"])
        #expect(grammar.undefinedReferences().isEmpty)
        guard case .choice(let alternatives)? = grammar.body(of: "item") else {
            Issue.record("item is not a choice")
            return
        }
        #expect(alternatives.count == 6)
        #expect(alternatives[0] == .terminal("it's"))
        #expect(alternatives[1] == .terminal("/*"))
        #expect(alternatives[2] == .oneOrMore(.characterClass(.init(isNegated: false, ranges: [97...122, 95...95]))))
        #expect(alternatives[3] == .characterClass(.init(isNegated: true, ranges: [93...93])))
        #expect(alternatives[5] == .oneOrMore(.sequence([.terminal("X"), .terminal("Y")])))
        #expect(throws: EBNFGrammar.ReadError.self) { try EBNFGrammar(parsing: "a ::= ( 'x'") }
        #expect(throws: EBNFGrammar.ReadError.self) { try EBNFGrammar(parsing: "a ::= 'x' a ::= 'y'") }
    }
}
