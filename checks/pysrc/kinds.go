package pysrc

// The names of the node kinds and fields the Go parser builds, as constants
// into the names table, which is laid out statically: nothing here runs at
// start-up. Generated once from the grammar's names; a kind tree-sitter
// uses that is not listed is interned on first use.

const (
	_ uint16 = iota
	kBackslash
	kAliasedImport
	kArgumentList
	kAsPattern
	kAsPatternTarget
	kAssertStatement
	kAssignment
	kAttribute
	kAugmentedAssignment
	kBinaryOperator
	kBlock
	kBooleanOperator
	kBreakStatement
	kCall
	kClassDefinition
	kComment
	kComparisonOperator
	kConcatenatedString
	kConditionalExpression
	kContinueStatement
	kDecoratedDefinition
	kDecorator
	kDefaultParameter
	kDeleteStatement
	kDictionary
	kDictionaryComprehension
	kDictionarySplat
	kDictionarySplatPattern
	kDottedName
	kElifClause
	kEllipsis
	kElseClause
	kEscapeSequence
	kExceptClause
	kExpressionList
	kExpressionStatement
	kFalse
	kFinallyClause
	kFloat
	kForInClause
	kForStatement
	kFunctionDefinition
	kFutureImportStatement
	kGeneratorExpression
	kGlobalStatement
	kIdentifier
	kIfClause
	kIfStatement
	kImportFromStatement
	kImportPrefix
	kImportStatement
	kInteger
	kIsNot
	kKeywordArgument
	kKeywordSeparator
	kLambda
	kLambdaParameters
	kLineContinuation
	kList
	kListComprehension
	kListPattern
	kListSplat
	kListSplatPattern
	kModule
	kNone
	kNonlocalStatement
	kNotIn
	kNotOperator
	kPair
	kParameters
	kParenthesizedExpression
	kPassStatement
	kPatternList
	kPositionalSeparator
	kRaiseStatement
	kRelativeImport
	kReturnStatement
	kSet
	kSetComprehension
	kSlice
	kString
	kStringContent
	kStringEnd
	kStringStart
	kSubscript
	kTrue
	kTryStatement
	kTuple
	kTuplePattern
	kType
	kTypedDefaultParameter
	kTypedParameter
	kUnaryOperator
	kWhileStatement
	kWildcardImport
	kWithClause
	kWithItem
	kWithStatement
	fAlias
	fAlternative
	fArgument
	fArguments
	fBody
	fCause
	fCondition
	fConsequence
	fDefinition
	fFunction
	fKey
	fLeft
	fModuleName
	fName
	fObject
	fOperator
	fOperators
	fReturnType
	fRight
	fSuperclasses
	fValue
	aPowEq
	aFloorDivEq
	aShrEq
	aShlEq
	aEllipsis3
	aPow
	aFloorDiv
	aShr
	aShl
	aLe
	aGe
	aEqEq
	aNe
	aLtGt
	aArrow
	aWalrus
	aPlusEq
	aMinusEq
	aStarEq
	aSlashEq
	aAtEq
	aPercentEq
	aAmpEq
	aCaretEq
	aPipeEq
	aPlus
	aMinus
	aStar
	aSlash
	aPercent
	aAt
	aPipe
	aAmp
	aCaret
	aTilde
	aLt
	aGt
	aEq
	aDot
	aComma
	aColon
	aSemi
	aLParen
	aRParen
	aLBracket
	aRBracket
	aLBrace
	aRBrace
	aAnd
	aAs
	aAssert
	aBreak
	aClass
	aContinue
	aDef
	aDel
	aElif
	aElse
	aExcept
	aFinally
	aFor
	aFrom
	aGlobal
	aIf
	aImport
	aIn
	aIs
	aNonlocal
	aNot
	aOr
	aPass
	aRaise
	aReturn
	aTry
	aWhile
	aWith
	aYield
	aFutureKw
	aPrint
	aExec
	kInterpolation
	kEscapeInterpolation
	kTypeConversion
	kFormatSpecifier
	kFormatExpression
	kGenericType
	kTypeParameter
	kUnionType
	kNamedExpression
	kError
	fExpression
	aAsync
	aAwait
	kParenthesizedListSplat
	kMatchStatement
	kCaseClause
	kTypeAliasStatement
	aMatch
	aCase
	aTypeKw
	kKeywordIdentifier
	kExceptGroupClause
	kSplatType
	kConstrainedType
	kCasePattern
	kUnionPattern
	kClassPattern
	kKeywordPattern
	aUnderscore
	fSubject
	fGuard
	fTypeParameters
	staticNames
)

// Fields that share a kind's name share its number.
const (
	fAttribute       = kAttribute
	fParameters      = kParameters
	fSubscript       = kSubscript
	fType            = kType
	aLambda          = kLambda
	kYield           = aYield
	kAwait           = aAwait
	fTypeConversion  = kTypeConversion
	fFormatSpecifier = kFormatSpecifier
)

// maxNames bounds the names table: the Go parser's, and in oracle builds
// the ones tree-sitter adds (names.go).
const maxNames = 1024

var names = [maxNames]string{
	kBackslash:               "\\",
	kAliasedImport:           "aliased_import",
	kArgumentList:            "argument_list",
	kAsPattern:               "as_pattern",
	kAsPatternTarget:         "as_pattern_target",
	kAssertStatement:         "assert_statement",
	kAssignment:              "assignment",
	kAttribute:               "attribute",
	kAugmentedAssignment:     "augmented_assignment",
	kBinaryOperator:          "binary_operator",
	kBlock:                   "block",
	kBooleanOperator:         "boolean_operator",
	kBreakStatement:          "break_statement",
	kCall:                    "call",
	kClassDefinition:         "class_definition",
	kComment:                 "comment",
	kComparisonOperator:      "comparison_operator",
	kConcatenatedString:      "concatenated_string",
	kConditionalExpression:   "conditional_expression",
	kContinueStatement:       "continue_statement",
	kDecoratedDefinition:     "decorated_definition",
	kDecorator:               "decorator",
	kDefaultParameter:        "default_parameter",
	kDeleteStatement:         "delete_statement",
	kDictionary:              "dictionary",
	kDictionaryComprehension: "dictionary_comprehension",
	kDictionarySplat:         "dictionary_splat",
	kDictionarySplatPattern:  "dictionary_splat_pattern",
	kDottedName:              "dotted_name",
	kElifClause:              "elif_clause",
	kEllipsis:                "ellipsis",
	kElseClause:              "else_clause",
	kEscapeSequence:          "escape_sequence",
	kExceptClause:            "except_clause",
	kExpressionList:          "expression_list",
	kExpressionStatement:     "expression_statement",
	kFalse:                   "false",
	kFinallyClause:           "finally_clause",
	kFloat:                   "float",
	kForInClause:             "for_in_clause",
	kForStatement:            "for_statement",
	kFunctionDefinition:      "function_definition",
	kFutureImportStatement:   "future_import_statement",
	kGeneratorExpression:     "generator_expression",
	kGlobalStatement:         "global_statement",
	kIdentifier:              "identifier",
	kIfClause:                "if_clause",
	kIfStatement:             "if_statement",
	kImportFromStatement:     "import_from_statement",
	kImportPrefix:            "import_prefix",
	kImportStatement:         "import_statement",
	kInteger:                 "integer",
	kIsNot:                   "is not",
	kKeywordArgument:         "keyword_argument",
	kKeywordSeparator:        "keyword_separator",
	kLambda:                  "lambda",
	kLambdaParameters:        "lambda_parameters",
	kLineContinuation:        "line_continuation",
	kList:                    "list",
	kListComprehension:       "list_comprehension",
	kListPattern:             "list_pattern",
	kListSplat:               "list_splat",
	kListSplatPattern:        "list_splat_pattern",
	kModule:                  "module",
	kNone:                    "none",
	kNonlocalStatement:       "nonlocal_statement",
	kNotIn:                   "not in",
	kNotOperator:             "not_operator",
	kPair:                    "pair",
	kParameters:              "parameters",
	kParenthesizedExpression: "parenthesized_expression",
	kPassStatement:           "pass_statement",
	kPatternList:             "pattern_list",
	kPositionalSeparator:     "positional_separator",
	kRaiseStatement:          "raise_statement",
	kRelativeImport:          "relative_import",
	kReturnStatement:         "return_statement",
	kSet:                     "set",
	kSetComprehension:        "set_comprehension",
	kSlice:                   "slice",
	kString:                  "string",
	kStringContent:           "string_content",
	kStringEnd:               "string_end",
	kStringStart:             "string_start",
	kSubscript:               "subscript",
	kTrue:                    "true",
	kTryStatement:            "try_statement",
	kTuple:                   "tuple",
	kTuplePattern:            "tuple_pattern",
	kType:                    "type",
	kTypedDefaultParameter:   "typed_default_parameter",
	kTypedParameter:          "typed_parameter",
	kUnaryOperator:           "unary_operator",
	kWhileStatement:          "while_statement",
	kWildcardImport:          "wildcard_import",
	kWithClause:              "with_clause",
	kWithItem:                "with_item",
	kWithStatement:           "with_statement",
	fAlias:                   "alias",
	fAlternative:             "alternative",
	fArgument:                "argument",
	fArguments:               "arguments",
	fBody:                    "body",
	fCause:                   "cause",
	fCondition:               "condition",
	fConsequence:             "consequence",
	fDefinition:              "definition",
	fFunction:                "function",
	fKey:                     "key",
	fLeft:                    "left",
	fModuleName:              "module_name",
	fName:                    "name",
	fObject:                  "object",
	fOperator:                "operator",
	fOperators:               "operators",
	fReturnType:              "return_type",
	fRight:                   "right",
	fSuperclasses:            "superclasses",
	fValue:                   "value",
	aPowEq:                   "**=",
	aFloorDivEq:              "//=",
	aShrEq:                   ">>=",
	aShlEq:                   "<<=",
	aEllipsis3:               "...",
	aPow:                     "**",
	aFloorDiv:                "//",
	aShr:                     ">>",
	aShl:                     "<<",
	aLe:                      "<=",
	aGe:                      ">=",
	aEqEq:                    "==",
	aNe:                      "!=",
	aLtGt:                    "<>",
	aArrow:                   "->",
	aWalrus:                  ":=",
	aPlusEq:                  "+=",
	aMinusEq:                 "-=",
	aStarEq:                  "*=",
	aSlashEq:                 "/=",
	aAtEq:                    "@=",
	aPercentEq:               "%=",
	aAmpEq:                   "&=",
	aCaretEq:                 "^=",
	aPipeEq:                  "|=",
	aPlus:                    "+",
	aMinus:                   "-",
	aStar:                    "*",
	aSlash:                   "/",
	aPercent:                 "%",
	aAt:                      "@",
	aPipe:                    "|",
	aAmp:                     "&",
	aCaret:                   "^",
	aTilde:                   "~",
	aLt:                      "<",
	aGt:                      ">",
	aEq:                      "=",
	aDot:                     ".",
	aComma:                   ",",
	aColon:                   ":",
	aSemi:                    ";",
	aLParen:                  "(",
	aRParen:                  ")",
	aLBracket:                "[",
	aRBracket:                "]",
	aLBrace:                  "{",
	aRBrace:                  "}",
	aAnd:                     "and",
	aAs:                      "as",
	aAssert:                  "assert",
	aBreak:                   "break",
	aClass:                   "class",
	aContinue:                "continue",
	aDef:                     "def",
	aDel:                     "del",
	aElif:                    "elif",
	aElse:                    "else",
	aExcept:                  "except",
	aFinally:                 "finally",
	aFor:                     "for",
	aFrom:                    "from",
	aGlobal:                  "global",
	aIf:                      "if",
	aImport:                  "import",
	aIn:                      "in",
	aIs:                      "is",
	aNonlocal:                "nonlocal",
	aNot:                     "not",
	aOr:                      "or",
	aPass:                    "pass",
	aRaise:                   "raise",
	aReturn:                  "return",
	aTry:                     "try",
	aWhile:                   "while",
	aWith:                    "with",
	aYield:                   "yield",
	aFutureKw:                "__future__",
	aPrint:                   "print",
	aExec:                    "exec",
	kInterpolation:           "interpolation",
	kEscapeInterpolation:     "escape_interpolation",
	kTypeConversion:          "type_conversion",
	kFormatSpecifier:         "format_specifier",
	kFormatExpression:        "format_expression",
	kGenericType:             "generic_type",
	kTypeParameter:           "type_parameter",
	kUnionType:               "union_type",
	kNamedExpression:         "named_expression",
	kError:                   "ERROR",
	fExpression:              "expression",
	aAsync:                   "async",
	aAwait:                   "await",
	kParenthesizedListSplat:  "parenthesized_list_splat",
	kMatchStatement:          "match_statement",
	kCaseClause:              "case_clause",
	kTypeAliasStatement:      "type_alias_statement",
	aMatch:                   "match",
	aCase:                    "case",
	aTypeKw:                  "type",
	kKeywordIdentifier:       "keyword_identifier",
	kExceptGroupClause:       "except_group_clause",
	kSplatType:               "splat_type",
	kConstrainedType:         "constrained_type",
	kCasePattern:             "case_pattern",
	kUnionPattern:            "union_pattern",
	kClassPattern:            "class_pattern",
	kKeywordPattern:          "keyword_pattern",
	aUnderscore:              "_",
	fSubject:                 "subject",
	fGuard:                   "guard",
	fTypeParameters:          "type_parameters",
}

// opIDs holds single-character operators' kinds by byte.
var opIDs = [256]uint16{
	'+': aPlus,
	'-': aMinus,
	'*': aStar,
	'/': aSlash,
	'%': aPercent,
	'@': aAt,
	'|': aPipe,
	'&': aAmp,
	'^': aCaret,
	'~': aTilde,
	'<': aLt,
	'>': aGt,
	'=': aEq,
	'.': aDot,
	',': aComma,
	':': aColon,
	';': aSemi,
	'(': aLParen,
	')': aRParen,
	'[': aLBracket,
	']': aRBracket,
	'{': aLBrace,
	'}': aRBrace,
	'_': aUnderscore, // a name to the lexer; the wildcard pattern's kind
}

// anonID is the kind of an operator or keyword token, 0 for none.
func anonID(b []byte) uint16 {
	if len(b) == 1 {
		return opIDs[b[0]]
	}
	switch string(b) {
	case "**=":
		return aPowEq
	case "//=":
		return aFloorDivEq
	case ">>=":
		return aShrEq
	case "<<=":
		return aShlEq
	case "...":
		return aEllipsis3
	case "**":
		return aPow
	case "//":
		return aFloorDiv
	case ">>":
		return aShr
	case "<<":
		return aShl
	case "<=":
		return aLe
	case ">=":
		return aGe
	case "==":
		return aEqEq
	case "!=":
		return aNe
	case "<>":
		return aLtGt
	case "->":
		return aArrow
	case ":=":
		return aWalrus
	case "+=":
		return aPlusEq
	case "-=":
		return aMinusEq
	case "*=":
		return aStarEq
	case "/=":
		return aSlashEq
	case "@=":
		return aAtEq
	case "%=":
		return aPercentEq
	case "&=":
		return aAmpEq
	case "^=":
		return aCaretEq
	case "|=":
		return aPipeEq
	case "and":
		return aAnd
	case "as":
		return aAs
	case "assert":
		return aAssert
	case "break":
		return aBreak
	case "class":
		return aClass
	case "continue":
		return aContinue
	case "def":
		return aDef
	case "del":
		return aDel
	case "elif":
		return aElif
	case "else":
		return aElse
	case "except":
		return aExcept
	case "finally":
		return aFinally
	case "for":
		return aFor
	case "from":
		return aFrom
	case "global":
		return aGlobal
	case "if":
		return aIf
	case "import":
		return aImport
	case "in":
		return aIn
	case "is":
		return aIs
	case "lambda":
		return aLambda
	case "nonlocal":
		return aNonlocal
	case "not":
		return aNot
	case "or":
		return aOr
	case "pass":
		return aPass
	case "raise":
		return aRaise
	case "return":
		return aReturn
	case "try":
		return aTry
	case "while":
		return aWhile
	case "with":
		return aWith
	case "yield":
		return aYield
	case "async":
		return aAsync
	case "await":
		return aAwait
	case "match":
		return aMatch
	case "case":
		return aCase
	case "type":
		return aTypeKw
	case "_":
		return aUnderscore
	case "__future__":
		return aFutureKw
	case "print":
		return aPrint
	case "exec":
		return aExec
	}
	return 0
}
