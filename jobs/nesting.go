package jobs

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// maxNesting bounds how deep HCL's parser recurses. It is a recursive
// descent parser: ~100k nested "[" overflow the Go stack, which is fatal
// and cannot be recovered from, so the depth has to be known before the
// parser runs. Real specs nest 4 or 5 deep.
const maxNesting = 32

// nestFrame is one open bracket, brace, parenthesis, interpolation, quote
// or heredoc, with what makes the parser recurse inside it without any
// bracket: conditionals (the true and false results are parsed
// recursively), runs of unary operators (each parses its operand
// recursively) and template if/for directives (each parses its body
// recursively until endif/endfor).
type nestFrame struct {
	closer    hclsyntax.TokenType
	weight    int // 1 for brackets and interpolations; quotes and heredocs hold directives only
	questions int
	unary     int
	controls  int
}

func (f nestFrame) depth() int { return f.weight + f.questions + f.unary + f.controls }

// checkNesting lexes src with HCL's own scanner, which is iterative, and
// refuses it when the parser would recurse more than maxNesting levels.
// Input the lexer cannot make sense of is left to the parser to report;
// an unmatched closer is ignored, which can only overcount.
func checkNesting(filename string, src []byte) hcl.Diagnostics {
	toks, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	stack := []nestFrame{{closer: hclsyntax.TokenEOF}}
	total := 0
	prev := hclsyntax.TokenNewline
	afterControl := false
	for _, tok := range toks {
		top := &stack[len(stack)-1]
		grew := false
		switch tok.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			f := nestFrame{closer: closerOf[tok.Type], weight: 1}
			if tok.Type == hclsyntax.TokenOQuote || tok.Type == hclsyntax.TokenOHeredoc {
				f.weight = 0
			}
			stack = append(stack, f)
			total += f.weight
			grew = f.weight > 0
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenTemplateSeqEnd, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			if len(stack) > 1 && top.closer == tok.Type {
				total -= top.depth()
				stack = stack[:len(stack)-1]
			}
		case hclsyntax.TokenQuestion:
			top.questions++
			total++
			grew = true
			total -= top.unary
			top.unary = 0
		case hclsyntax.TokenBang, hclsyntax.TokenMinus:
			if endsOperand[prev] {
				// A binary minus: any unary operators before it have
				// finished parsing their operand.
				total -= top.unary
				top.unary = 0
			} else {
				top.unary++
				total++
				grew = true
			}
		case hclsyntax.TokenComma:
			total -= top.questions + top.unary
			top.questions, top.unary = 0, 0
		case hclsyntax.TokenNewline:
			// Newlines end an expression only where the parser reads them:
			// at the top level and in block and object bodies.
			if top.closer == hclsyntax.TokenEOF || top.closer == hclsyntax.TokenCBrace {
				total -= top.questions + top.unary
				top.questions, top.unary = 0, 0
			}
		case hclsyntax.TokenComment:
			continue
		default:
			if binaryOps[tok.Type] {
				total -= top.unary
				top.unary = 0
			}
		}
		if afterControl && tok.Type == hclsyntax.TokenIdent && len(stack) >= 2 {
			// The template that holds this %{ directive is the frame
			// below it.
			tmpl := &stack[len(stack)-2]
			switch string(tok.Bytes) {
			case "if", "for":
				tmpl.controls++
				total++
				grew = true
			case "endif", "endfor":
				if tmpl.controls > 0 {
					tmpl.controls--
					total--
				}
			}
		}
		afterControl = tok.Type == hclsyntax.TokenTemplateControl
		if grew && total > maxNesting {
			return hcl.Diagnostics{errAt("Nesting too deep",
				fmt.Errorf("brackets, braces, parentheses, interpolations, conditionals and unary operators nest more than %d deep here", maxNesting), tok.Range)}
		}
		prev = tok.Type
	}
	return nil
}

var closerOf = map[hclsyntax.TokenType]hclsyntax.TokenType{
	hclsyntax.TokenOBrace:          hclsyntax.TokenCBrace,
	hclsyntax.TokenOBrack:          hclsyntax.TokenCBrack,
	hclsyntax.TokenOParen:          hclsyntax.TokenCParen,
	hclsyntax.TokenTemplateInterp:  hclsyntax.TokenTemplateSeqEnd,
	hclsyntax.TokenTemplateControl: hclsyntax.TokenTemplateSeqEnd,
	hclsyntax.TokenOQuote:          hclsyntax.TokenCQuote,
	hclsyntax.TokenOHeredoc:        hclsyntax.TokenCHeredoc,
}

// endsOperand are the tokens after which '-' is a binary minus.
var endsOperand = map[hclsyntax.TokenType]bool{
	hclsyntax.TokenIdent: true, hclsyntax.TokenNumberLit: true, hclsyntax.TokenCQuote: true, hclsyntax.TokenCHeredoc: true,
	hclsyntax.TokenCParen: true, hclsyntax.TokenCBrack: true, hclsyntax.TokenCBrace: true,
}

// binaryOps end the operand of any unary operator before them.
var binaryOps = map[hclsyntax.TokenType]bool{
	hclsyntax.TokenStar: true, hclsyntax.TokenSlash: true, hclsyntax.TokenPlus: true, hclsyntax.TokenPercent: true,
	hclsyntax.TokenEqualOp: true, hclsyntax.TokenNotEqual: true, hclsyntax.TokenLessThan: true, hclsyntax.TokenLessThanEq: true,
	hclsyntax.TokenGreaterThan: true, hclsyntax.TokenGreaterThanEq: true, hclsyntax.TokenAnd: true, hclsyntax.TokenOr: true,
	hclsyntax.TokenColon: true, hclsyntax.TokenEqual: true, hclsyntax.TokenFatArrow: true,
}
