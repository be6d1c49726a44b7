#!/usr/bin/env python
"""wrap_lines: bring the code lines of an nbdev project's notebooks to at most `--limit` characters.

    python tools/wrap_lines.py ROOT [--limit 100] [--dry-run] [--report FILE]

Every code cell of ROOT/nbs/**/*.ipynb (paths with `_proc` or `.ipynb_checkpoints` aside) is read;
its leading `#|` directives are kept verbatim, and the rest must parse with `ast.parse` (else the
cell is left alone: IPython magics). Only logical lines holding a physical line over the limit are
rewritten, by the first of these that shortens them:

1. a long full-line comment is wrapped at word boundaries (the end of a wrapped line goes on with
   the next comment line of its block unless a sentence ended there); a trailing comment on a long
   row moves to its own line above the statement, at its indentation;
2. a docstring's long lines are re-wrapped at spaces the same way (a one-line "..." becomes
   triple-quoted, continuation lines indented like the body), never inside a backtick span and
   never so that a line starts like a Markdown block (`-`, `*`, `1.`, `#`, `>` ...);
3. a one-line compound statement (`if c: a; b`) becomes a block; `a; b` becomes two lines;
4. a statement with brackets is re-filled: a break after a comma (or before `for`/`if`/`else`,
   `and`/`or`, a binary operator, a `.method` after a call, or after an opening bracket), the
   shallowest bracket first; continuation lines aligned one column after the open bracket, with a
   hanging indent of +4 (+8 in a compound statement's header) where that would leave under
   MIN_ROOM columns; existing line breaks are kept, except that the end of a broken row goes on
   with the next row of the same bracket (adjacent string literals there are merged first). A
   statement whose top level is too long (or is continued with backslashes) has its right-hand
   side, condition or value parenthesised. A long string inside brackets is split into adjacent
   literals with the same prefix at spaces (never inside an f-string's fields). Of the layouts
   tried (three break strategies, with and without parentheses) the one with the least overflow,
   then the fewest awkward lines (dangling, hanging, very short, deep), then the fewest lines wins.

Proof: a rewrite is kept only if the cell's AST is unchanged (docstrings compared after
`" ".join(s.split())`); others are refused and reported. The whole cell is checked again at the
end (a cell that fails keeps its old source). The tool works to a fixed point, so running it a
second time changes nothing.
"""
import argparse, ast, io, json, keyword, re, sys, tokenize
from dataclasses import dataclass, replace
from pathlib import Path
from tokenize import (COMMENT, DEDENT, ENCODING, ENDMARKER, INDENT, NAME, NEWLINE, NL,
                      NUMBER, OP, STRING)

MIN_ROOM = 40     # a visual indent must leave this many columns, else the hanging indent is used
HANG = 4          # hanging indent (twice that for a compound statement's header)
MIN_PIECE = 20    # a string is split only where each piece can hold this many characters
DANGLE = 15       # a line may close the bracket it began in and go on for this many characters
ORPHAN = 12       # a break that leaves fewer characters than this for the last line is avoided
MAX_PASSES = 40
OPENERS, CLOSERS = "([{", ")]}"
BINOPS = {"+", "-", "*", "/", "//", "%", "@", "|", "&", "^", "<<", ">>", "**",
          "==", "!=", "<", ">", "<=", ">="}
AUGASSIGN = {"+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=", "|=", "^=", ">>=", "<<=", "**="}
COMPOUND = {"if", "elif", "else", "for", "while", "try", "except", "finally", "with",
            "def", "class", "async"}
MD_BLOCK = re.compile(r"([-*+#>|=]|\d+[.)]|```|~~~)")   # a line starting so is a Markdown block
STR_RE = re.compile(r"([rRbBuUfF]{0,2})([\"'])(.*)\2", re.S)


# ---------------------------------------------------------------- notebooks

def notebook_paths(root):
    "The notebooks under ROOT/nbs, `_proc` and checkpoints aside."
    root = Path(root)
    for p in sorted((root / "nbs").rglob("*.ipynb")):
        rel = str(p.relative_to(root))
        if "_proc" not in rel and ".ipynb_checkpoints" not in rel: yield p

def to_source(text):
    "A cell's `source` list (lines with their newline) for `text`."
    lines = text.split("\n")
    return [l + "\n" for l in lines[:-1]] + ([lines[-1]] if lines[-1] else [])

def dump_notebook(nb): return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"

def split_directives(text):
    "The leading `#|` lines of a cell, and the code after them."
    lines = text.split("\n")
    n = 0
    while n < len(lines) and lines[n].startswith("#|"): n += 1
    return lines[:n], "\n".join(lines[n:])


# ---------------------------------------------------------------- proof

def docstring_nodes(tree):
    "The string constants that are docstrings of a module, class or function in `tree`."
    for node in ast.walk(tree):
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
            and isinstance(node.body[0].value.value, str)):
            yield node.body[0].value

def normalised_dump(src):
    "`ast.dump` of `src` with the whitespace of docstrings normalised."
    tree = ast.parse(src)
    for c in docstring_nodes(tree): c.value = " ".join(c.value.split())
    return ast.dump(tree)

def same_ast(ref_dump, src):
    "(True, '') if `src` has the AST `ref_dump`, else (False, why)."
    try: new = normalised_dump(src)
    except SyntaxError as e: return False, f"does not parse: {e.msg} (line {e.lineno})"
    return (True, "") if new == ref_dump else (False, "AST differs")


# ---------------------------------------------------------------- logical lines

@dataclass
class Unit:
    "A logical line (a statement, or a comment line): its rows `first`..`last` and its tokens."
    first: int
    last: int
    toks: list

    @property
    def code(self): return [t for t in self.toks if t.type not in (COMMENT, NL)]

def make_unit(toks):
    return Unit(min(t.start[0] for t in toks) - 1, max(t.end[0] for t in toks) - 1, toks)

def logical_units(code):
    "The statements and comment lines of `code`, as `Unit`s (rows 0-based)."
    units, cur = [], []
    for t in tokenize.generate_tokens(io.StringIO(code).readline):
        if t.type in (INDENT, DEDENT, ENDMARKER, ENCODING): continue
        if t.type == NEWLINE or (t.type == NL and all(x.type == COMMENT for x in cur)):
            if cur: units.append(make_unit(cur))
            cur = []
        else: cur.append(t)
    if cur: units.append(make_unit([t for t in cur if t.type != NL]))
    return merge_comment_blocks(units)

def merge_comment_blocks(units):
    """Units with consecutive full-line comments at one column merged into one (a block is re-filled
    as one)."""
    out = []
    for u in units:
        p = out[-1] if out else None
        if (p and not p.code and not u.code and u.first == p.last + 1
            and u.toks[0].start[1] == p.toks[0].start[1]):
            out[-1] = Unit(p.first, u.last, p.toks + u.toks)
        else: out.append(u)
    return out

def indent_of(line): return len(line) - len(line.lstrip(" "))

def badness(lines, limit): return sum(max(0, len(l) - limit) for l in lines)

def string_rows(toks):
    "Rows (0-based) that continue a multi-line string token: their text is the string's."
    return {r for t in toks if t.type == STRING for r in range(t.start[0], t.end[0])}

def trailing_comment(t, lines):
    "Is token `t` a comment after code on its row?"
    return t.type == COMMENT and lines[t.start[0] - 1][:t.start[1]].strip() != ""

def depths(code):
    "The bracket depth before each token of `code`."
    out, d = [], 0
    for t in code:
        if t.type == OP and t.string in CLOSERS: d -= 1
        out.append(d)
        if t.type == OP and t.string in OPENERS: d += 1
    return out

def header_colon(code):
    "Index of the `:` ending a compound statement's header in `code`, or None."
    if not code or code[0].type != NAME or code[0].string not in COMPOUND: return None
    lambdas = 0
    for k, (t, d) in enumerate(zip(code, depths(code))):
        if d: continue
        if t.type == NAME and t.string == "lambda": lambdas += 1
        elif t.type == OP and t.string == ":":
            if not lambdas: return k
            lambdas -= 1
    return None

def text_span(lines, start, end):
    "The rows of source text from token position `start` to `end` (1-based rows)."
    rows = lines[start[0] - 1:end[0]]
    if len(rows) == 1: return [rows[0][start[1]:end[1]]]
    return [rows[0][start[1]:]] + rows[1:-1] + [rows[-1][:end[1]]]

def relocate(rows, first_row, old_col, new_col, keep):
    """`rows` (the first starting at `old_col`) moved to start at `new_col`; rows in `keep`
    unchanged."""
    out, delta = [" " * new_col + rows[0]], new_col - old_col
    for k, row in enumerate(rows[1:], first_row + 1):
        if k in keep: out.append(row)
        elif delta >= 0: out.append(" " * delta + row)
        else: out.append(row[min(-delta, indent_of(row)):])
    return out

def statement_spans(code):
    "(first, last) tokens of the statements that top-level `;` separate (a final `;` stays)."
    spans, start = [], 0
    for k, (t, d) in enumerate(zip(code, depths(code))):
        if t.type == OP and t.string == ";" and d == 0 and k < len(code) - 1:
            spans.append((code[start], code[k - 1]))
            start = k + 1
    return spans + [(code[start], code[-1])]

def with_trailing_comment(out, unit, lines):
    "Append the unit's comment after its last code token (if any) to the last output row."
    last = unit.code[-1]
    after = [t for t in unit.toks if t.type == COMMENT and t.start > last.end]
    if after: out[-1] += lines[last.end[0] - 1][last.end[1]:after[0].start[1]] + after[0].string
    return out


# ---------------------------------------------------------------- text wrapping (comments,
# docstrings)

def wrap_words(text, width, first_width=None, can_break=lambda text, i: True):
    """`text` cut at runs of spaces into pieces of at most `width` (the first `first_width`) where
    possible."""
    pieces, start = [], 0
    spaces = [m for m in re.finditer(r" +", text) if 0 < m.start() and m.end() < len(text)
              and can_break(text, m.end())]
    while True:
        w = first_width if (not pieces and first_width is not None) else width
        if len(text) - start <= w: return pieces + [text[start:]]
        later = [m for m in spaces if m.start() > start]
        fit = [m for m in later if m.start() - start <= w]
        m = fit[-1] if fit else (later[0] if later else None)
        if m is None: return pieces + [text[start:]]
        pieces.append(text[start:m.start()])
        start = m.end()

def markdown_break_ok(text, i):
    """May a docstring line break before `text[i]`? Not inside a code span, nor before a block
    marker."""
    return text[:i].count("`") % 2 == 0 and not MD_BLOCK.match(text[i:])

def wrap_comment(indent, comment, limit):
    "The rows of a full-line comment wrapped at word boundaries (None if it cannot be)."
    marker = re.match(r"#+ *", comment).group()
    rest = marker if marker.endswith(" ") else marker + " "
    pieces = wrap_words(comment[len(marker):], limit - len(indent) - len(rest),
                        limit - len(indent) - len(marker))
    if len(pieces) < 2: return None
    return [indent + marker + pieces[0]] + [indent + rest + p for p in pieces[1:]]

def triple_quoted(text):
    "A one-line string literal as a triple-double-quoted one (None where that is not safe)."
    m = re.fullmatch(r"([rRuU]?)([\"'])(.*)\2", text, re.S)
    if not m or text[len(m[1]):].startswith(m[2] * 3) or "\n" in text: return None
    prefix, _, body = m.groups()
    if '"""' in body or body.endswith('"') or body.endswith("\\"): return None
    return prefix + '"""' + body + '"""'


# ---------------------------------------------------------------- transforms on comments,
# docstrings, statements Each takes (unit, lines, ctx) and returns the unit's new rows, or None.

def wrap_comments(unit, lines, ctx):
    """Rule 5b: wrap the long full-line comments of a unit; the end of a wrapped comment goes on
    with the next comment line of its block (same column and marker) where that is plain text."""
    rows = {t.start[0] - 1: t for t in unit.toks
            if t.type == COMMENT and not trailing_comment(t, lines)}
    out, done, carry = [], False, None
    for r in range(unit.first, unit.last + 1):
        t, line = rows.get(r), lines[r]
        if carry is not None:
            line = carry[0] + " " + line[t.start[1] + len(carry[1]):]
            carry = None
        wrapped = None
        if t is not None and len(line) > ctx.limit and not t.string.startswith("#|"):
            wrapped = wrap_comment(line[:t.start[1]], line[t.start[1]:], ctx.limit)
        out += wrapped or [line]
        done = done or bool(wrapped)
        nxt = rows.get(r + 1)
        if (wrapped and nxt is not None and nxt.start[1] == t.start[1]
            and comment_goes_on(nxt.string, wrapped[-1]) and not ends_sentence(wrapped[-1])):
            carry = out.pop(), comment_marker(nxt.string)
    return out if done else None

def comment_marker(comment): return re.match(r"#+ *", comment).group()

def comment_goes_on(comment, prev):
    "May comment line `comment` be joined to the wrapped line `prev` (same marker, plain text)?"
    marker = comment_marker(comment)
    text = comment[len(marker):]
    return (marker == comment_marker(prev.lstrip(" ")) and text.strip() != ""
            and not comment.startswith("#|") and markdown_break_ok(" " + text, 1))

def move_comments(unit, lines, ctx):
    "Rule 5a: the trailing comments of long rows go on their own lines above the statement."
    if not unit.code: return None
    comments = {t.start[0] - 1: t for t in unit.toks if trailing_comment(t, lines)}
    above, rows = [], []
    for r in range(unit.first, unit.last + 1):
        t = comments.get(r)
        if t is None or len(lines[r]) <= ctx.limit: rows.append(lines[r])
        else:
            above.append(" " * indent_of(lines[unit.first]) + t.string)
            rows.append(lines[r][:t.start[1]].rstrip())
    return above + rows if above else None

def wrap_docstring(unit, lines, ctx):
    "Rule 6: re-wrap a docstring's long lines (a one-line one becomes triple-quoted)."
    code = unit.code
    if len(code) != 1 or code[0].type != STRING or code[0].start not in ctx.docstrings: return None
    tok = code[0]
    text = (tok.string if tok.string.lstrip("rRuU")[:3] in ('"""', "'''")
            else triple_quoted(tok.string))
    if text is None: return None
    rows = (lines[unit.first][:tok.start[1]] + text).split("\n")
    # carry: the end of a wrapped line, re-filled with the next line of its paragraph
    out, carry = [], None
    for k, row in enumerate(rows):
        if carry is not None: row = carry + " " + row.lstrip(" ")
        carry = None
        if len(row) <= ctx.limit:
            out.append(row)
            continue
        lead = indent_of(row)
        cont = tok.start[1] if k == 0 else lead
        pieces = wrap_words(row[lead:], ctx.limit - cont, ctx.limit - lead, markdown_break_ok)
        out += [row[:lead] + pieces[0]] + [" " * cont + p for p in pieces[1:]]
        if len(pieces) > 1 and k + 1 < len(rows) and continues_paragraph(rows[k + 1], cont) \
                and not ends_sentence(pieces[-1]):
            carry = out.pop()
    return out

def ends_sentence(text):
    "Does `text` end a sentence or clause (the author's line break after it is kept)?"
    return text.rstrip().endswith((".", ":", ";", "!", "?"))

def continues_paragraph(row, indent):
    "Does docstring line `row` go on with the paragraph of lines indented `indent`?"
    text = row.lstrip(" ")
    return (indent_of(row) == indent and text.strip() not in ("", '"""', "'''")
            and markdown_break_ok(" " + text, 1))

def split_compound(unit, lines, ctx):
    "Rule 1: a one-line compound statement (`if c: a; b`) as a block."
    code = unit.code
    k = header_colon(code)
    if k is None or k == len(code) - 1: return None
    keep = string_rows(unit.toks)
    out = text_span(lines, (unit.first + 1, 0), code[k].end)
    body_col = indent_of(lines[unit.first]) + 4
    for a, b in statement_spans(code[k + 1:]):
        out += relocate(text_span(lines, a.start, b.end), a.start[0] - 1, a.start[1],
                        body_col, keep)
    return with_trailing_comment(out, unit, lines)

def split_semicolons(unit, lines, ctx):
    "Rule 1: statements joined by `;` on separate lines."
    code = unit.code
    if not code or header_colon(code) is not None: return None
    spans = statement_spans(code)
    if len(spans) < 2: return None
    keep, col = string_rows(unit.toks), code[0].start[1]
    out = []
    for a, b in spans:
        out += relocate(text_span(lines, a.start, b.end), a.start[0] - 1, a.start[1], col, keep)
    return with_trailing_comment(out, unit, lines)


# ---------------------------------------------------------------- re-filling a statement (rules
# 2-4)

@dataclass(frozen=True)
class Item:
    "A token laid out on a row: its text, the spaces before it in the source, where it was."
    text: str
    sp: str
    type: int
    old_col: int
    old_indent: int
    piece: bool = False   # a piece of a string this tool split
    tight: bool = False   # a comma in a `for` target or `lambda` parameters: no break after it

@dataclass(frozen=True)
class Open:
    "An open bracket in the output: where it is, and where its continuation lines start."
    col: int
    line_indent: int
    hang: int
    old_col: int
    old_indent: int
    cont: int | None = None
    subscript: bool = False   # a subscript's `[`

@dataclass(frozen=True)
class Cand:
    "A place to break a line: before item `index`; the text before it; the state there."
    index: int
    text: str
    depth: int
    rank: int
    stack: tuple
    cont: int

@dataclass
class Cfg:
    limit: int
    # 'shallow': shallowest break first; 'fill': rightmost first; 'hang': hanging first
    strategy: str
    stmt_indent: int
    header: bool      # a compound statement's header (hanging indent doubled)

def is_op(it, chars): return it.type == OP and it.text in chars

def ends_operand(it):
    "Does `it` end an operand (so that a following `-`, `*` ... is binary)?"
    if it.type in (NUMBER, STRING) or is_op(it, CLOSERS): return True
    return it.type == NAME and (not keyword.iskeyword(it.text)
                                or it.text in ("True", "False", "None"))

RANK_HANG = 4

def break_rank(prev, cur):
    "How good a break between `prev` and `cur` is (0 best, RANK_HANG after an opener), or None."
    if is_op(cur, {"."}) and is_op(prev, CLOSERS): return 3   # a method chain: `f(x)\n.g()`
    if cur.type == COMMENT or is_op(cur, CLOSERS) or is_op(cur, {",", ":", ";", "=", "."}):
        return None
    if (is_op(prev, {","}) and not prev.tight) or (prev.type == STRING and cur.type == STRING):
        return 0
    if is_op(prev, OPENERS): return RANK_HANG
    if not ends_operand(prev): return None
    if cur.type == NAME and cur.text in ("for", "if", "else", "async"): return 1
    if cur.type == NAME and cur.text in ("and", "or"): return 2
    if cur.type == OP and cur.text in BINOPS: return 3
    return None

def candidate(items, start, i, text, stack, run_col, limit):
    """The break before items[i] on a line holding `text` (items[start:i]), or None; `run_col`:
    where a run of adjacent strings began."""
    if not stack: return None
    rank = break_rank(items[i - 1], items[i])
    if rank is None: return None
    if rank == RANK_HANG and (i - 1 == start or (items[i - 1].text == "[" and i >= 2
                                                 and ends_operand(items[i - 2]))):
        # no hanging indent after an opener that begins its line, nor after a subscript's `[`
        return None
    top = stack[-1]
    if top.cont is None:
        stack, top = stack[:-1] + (replace(top, cont=top.hang),), replace(top, cont=top.hang)
    cont = top.cont
    if items[i - 1].type == STRING and items[i].type == STRING and run_col <= limit - MIN_ROOM:
        cont = run_col
    return Cand(i, text.rstrip(), len(stack), rank, stack, cont)

def advance(stack, it, col, line_indent, cfg, prev):
    "The bracket stack after placing `it` (after `prev`) at `col` on a line indented `line_indent`."
    if stack and stack[-1].cont is None and it.type != COMMENT:
        stack = stack[:-1] + (replace(stack[-1], cont=col),)
    if is_op(it, OPENERS):
        hang = line_indent + HANG * (2 if cfg.header and line_indent == cfg.stmt_indent else 1)
        sub = it.text == "[" and prev is not None and ends_operand(prev)
        stack += (Open(col, line_indent, hang, it.old_col, it.old_indent, subscript=sub),)
    elif is_op(it, CLOSERS) and stack: stack = stack[:-1]
    return stack

def split_points(body, fmt):
    """Indices after a space in a string literal's body where it may be cut (not in an f-string
    field)."""
    cuts, depth, k = [], 0, 0
    while k < len(body):
        ch = body[k]
        if ch == "\\":
            k += 2
            continue
        if fmt and ch in "{}":
            if depth == 0 and body[k:k + 2] in ("{{", "}}"):
                k += 2
                continue
            depth += 1 if ch == "{" else -1
        elif ch == " " and depth == 0 and k + 1 < len(body) and body[k + 1] != " ":
            cuts.append(k + 1)
        k += 1
    return cuts

def split_string(text, first_width, width, tail):
    "Pieces (same prefix) of a one-line string literal at word boundaries, or None."
    m = STR_RE.fullmatch(text)
    if not m or "\n" in text or text[len(m[1]):].startswith(m[2] * 3): return None
    prefix, q, body = m.groups()
    if "\\N{" in body: return None
    cuts, over = split_points(body, "f" in prefix.lower()), len(prefix) + 2
    parts, start, w = [], 0, first_width
    while True:
        if len(body) - start + over + tail <= w: break
        later = [k for k in cuts if k > start]
        fit = [k for k in later if k - start + over <= w]
        if not later: break
        k = fit[-1] if fit else later[0]
        parts.append(body[start:k])
        start, w = k, width
    return [prefix + q + p + q for p in parts + [body[start:]]]

def try_split(items, i, cols, stacks, limit, min_piece):
    "Split the string that overflows at items[i] (in place); did it?"
    j = i
    while j - 1 in cols and (is_op(items[j], CLOSERS) or is_op(items[j], {","})): j -= 1
    it = items[j]
    if it.type != STRING or it.piece or not stacks[j]: return False
    top, col = stacks[j][-1], cols[j]
    cont = col if col <= limit - MIN_ROOM or top.cont is None else top.cont
    if limit - col < min_piece or limit - cont < min_piece: return False
    end = next((k + 1 for k in range(j + 1, len(items)) if is_op(items[k], {","})), len(items))
    # what follows the string on its line
    tail = sum(len(x.sp) + len(x.text) for x in items[j + 1:end])
    pieces = split_string(it.text, limit - col, limit - cont, tail)
    if not pieces or len(pieces) < 2: return False
    items[j:j + 1] = [replace(it, text=pieces[0], piece=True)] + \
                     [Item(p, " ", STRING, -10, it.old_indent, True) for p in pieces[1:]]
    return True

def rest_width(items, i):
    "Width of items[i:] on one line."
    return (len(items[i].text) + sum(len(it.sp) + len(it.text) for it in items[i + 1:])
            if i < len(items) else 0)

def best_break(cands, items, strategy):
    "The break among `cands` that `strategy` prefers, avoiding one that leaves a short last line."
    rest = lambda c: rest_width(items, c.index) < ORPHAN
    if strategy == "fill":
        return min(cands, key=lambda c: (rest(c), c.rank > 1, -len(c.text), c.depth, c.rank))
    return min(cands, key=lambda c: (rest(c), c.depth, c.rank, -len(c.text)))

def choose(cands, items, i, cols, stacks, cfg):
    """Where to break a line that overflows at items[i]: a `Cand`, 'split' (a string was split), or
    None."""
    lim = cfg.limit
    fit = [c for c in cands if len(c.text) <= lim]
    soft = [c for c in fit if c.rank < RANK_HANG]
    good = [c for c in soft if c.cont <= lim - MIN_ROOM]   # leaves room after the visual indent
    # the rest fits
    tight = [c for c in soft if c not in good and c.cont + rest_width(items, c.index) <= lim]
    hang = [c for c in fit if c.rank == RANK_HANG]
    if hang and cfg.strategy == "hang": return best_break(hang, items, cfg.strategy)
    if soft:   # the shallowest bracket that could break cannot align: hang it (or one further out)
        d = min(c.depth for c in soft)
        outer = [c for c in hang if c.depth <= d]
        if outer and not any(c.depth == d for c in good + tight):
            return min(outer, key=lambda c: (-c.depth, -len(c.text)))
    if good or tight: return best_break(good or tight, items, cfg.strategy)
    if try_split(items, i, cols, stacks, lim, MIN_PIECE): return "split"
    if hang: return best_break(hang, items, "shallow")
    if fit: return min(fit, key=lambda c: (c.cont, c.depth, c.rank, -len(c.text)))
    if try_split(items, i, cols, stacks, lim, 8): return "split"
    return min(cands, key=lambda c: len(c.text), default=None)

def dangles(items, at, end, stacks, end_stack):
    """Does a line that left the bracket it began in (at items[at]) go on badly: with a bracket it
    leaves open, an operator out there, or a further element (after a comma) of over DANGLE
    characters?"""
    if at is None or at >= end: return False
    if len(end_stack) > len(stacks[at]): return True
    if any(break_rank(items[k - 1], items[k]) in (1, 2, 3) and not is_op(items[k], {"."})
           and len(stacks[k]) <= len(stacks[at]) for k in range(at, end)):
        return True   # goes on with an operator of an outer expression
    commas = [k for k in range(at - 1, end)
              if is_op(items[k], {","}) and len(stacks[k]) <= len(stacks[at])]
    return bool(commas) and rest_width(items[:end], commas[0] + 1) > DANGLE

def fill_line(items, start, indent, stack, cfg):
    """Lay items[start:] on one line: (text, next start, stack, next indent, dangles?, cost of the
    break), or None after a string split."""
    text, cands, cols, stacks = " " * indent, [], {}, {}
    depth0, dangle_at, run_col = len(stack), None, indent
    for i in range(start, len(items)):
        it = items[i]
        if i > start:
            c = candidate(items, start, i, text, stack, run_col, cfg.limit)
            if c: cands.append(c)
        lead = it.sp if i > start else ""
        cols[i], stacks[i] = len(text) + len(lead), stack
        if it.type != STRING or i == start or items[i - 1].type != STRING: run_col = cols[i]
        if dangle_at is None and len(stack) < depth0 and not (is_op(it, CLOSERS)
                                                              or is_op(it, {",", ":", ";"})
                                                              or it.type == COMMENT):
            dangle_at = i   # the line left the bracket it began in: see `dangles`
        stack = advance(stack, it, cols[i], indent, cfg, items[i - 1] if i else None)
        text += lead + it.text
        if len(text) > cfg.limit and it.type != COMMENT:
            choice = choose(cands, items, i, cols, stacks, cfg)
            if choice == "split": return None
            if choice:
                dangle = dangles(items, dangle_at, choice.index, stacks, choice.stack)
                # deep; in a subscript
                cost = max(0, choice.depth - 2) + any(o.subscript for o in choice.stack)
                # a hang; a chain
                if choice.rank == RANK_HANG or is_op(items[choice.index], {"."}): cost = 1
                return choice.text, choice.index, choice.stack, choice.cont, dangle, cost
    return text.rstrip(), len(items), stack, None, dangles(items, dangle_at, len(items),
                                                           stacks, stack), 0

@dataclass
class Tail:
    "The last line of a row this tool broke: its items, indent and bracket stack (at its start)."
    items: list
    indent: int
    stack: tuple

def layout_row(items, indent, stack, cfg):
    """A source row's items laid out from `indent`: (output lines, stack after them, penalty, Tail
    or None)."""
    out, start, penalty, tail = [], 0, 0, None
    while start < len(items):
        line_start, line_indent, line_stack = start, indent, stack
        res = fill_line(items, start, indent, stack, cfg)
        if res is None: continue
        text, start, stack, indent, dangle, cost = res
        if out:   # a line this tool began: dangling, or short
            penalty += 2 * dangle + 2 * (len(text.strip()) < ORPHAN)
        penalty += cost
        out.append(text)
        tail = Tail(items[line_start:], line_indent, line_stack) if len(out) > 1 else None
    return out, stack, penalty, tail

def joinable(tail, items, stack):
    """May the next row's `items` go on after a broken row's last line (in the same bracket, no
    comments)?"""
    if (tail is None or not stack or len(tail.stack) != len(stack)
        or tail.stack[-1].old_col != stack[-1].old_col):
        return False
    return not (is_op(items[0], CLOSERS) or any(it.type == COMMENT for it in tail.items + items))

def row_indent(orig, stack):
    """Where a kept continuation row starts now: with its bracket (or the bracket's line) if that
    moved."""
    if not stack: return orig
    top = stack[-1]
    # a parenthesis this tool added
    if top.old_col < 0: return top.cont if top.cont is not None else top.col + 1
    if orig in (top.old_col, top.old_col + 1):
        return top.cont if top.cont is not None else top.col + 1
    if orig > top.old_col:
        return (top.cont if top.cont is not None else top.col + 1) + orig - top.old_col - 1
    return max(0, orig + top.line_indent - top.old_indent)

def merge_strings(a, b):
    "One literal for the adjacent one-line literals `a` `b` (same prefix and quote), or None."
    ma, mb = STR_RE.fullmatch(a), STR_RE.fullmatch(b)
    if not (ma and mb) or ma[2] != mb[2] or "\n" in a + b: return None
    pa, pb = ma[1].lower(), mb[1].lower()
    if pa != pb:   # `f"..." "..."`: one f-string, if the plain one holds no brace
        plain = mb if "f" in pa else ma
        if {pa.replace("f", ""), pb.replace("f", "")} != {""} or "{" in plain[3] or "}" in plain[3]:
            return None
    if (a[len(ma[1]):] + b[len(mb[1]):]).startswith(ma[2] * 3): return None
    if a[len(ma[1]):].startswith(ma[2] * 3) or b[len(mb[1]):].startswith(mb[2] * 3): return None
    return (ma[1] if "f" in pa or pa == pb else mb[1]) + ma[2] + ma[3] + mb[3] + ma[2]

def join_items(first, second):
    """`first` (a line's items) followed by the items of the next row, adjacent string literals
    merged."""
    second = [replace(second[0], sp=" ")] + second[1:]
    if first[-1].type == STRING and second[0].type == STRING:
        merged = merge_strings(first[-1].text, second[0].text)
        if merged: return first[:-1] + [replace(first[-1], text=merged, piece=False)] + second[1:]
    return first + second

def layout(rows, cfg):
    """The output lines for a statement's rows of items, and their penalty (dangling lines and
    hanging indents)."""
    out, stack, penalty, tail = [], (), 0, None
    for k, (orig, items) in enumerate(rows):
        if not items:
            out.append("")
            tail = None
            continue
        # re-fill: the broken row's last line goes on with this row
        if joinable(tail, items, stack):
            out.pop()
            items, indent, stack = join_items(tail.items, items), tail.indent, tail.stack
        else: indent = orig if k == 0 else row_indent(orig, stack)
        lines, stack, n, tail = layout_row(list(items), indent, stack, cfg)
        out, penalty = out + lines, penalty + n
    return out, penalty

def unit_rows(unit, lines, paren=None):
    """The unit's rows as (indent, items); `paren`: (first, last) tokens to enclose in new
    parentheses."""
    by_row = {}
    for t in unit.toks:
        if t.type != NL: by_row.setdefault(t.start[0] - 1, []).append(t)
    rows = []
    for r in range(unit.first, unit.last + 1):
        line, items, prev = lines[r], [], None
        ind = indent_of(line)
        for t in by_row.get(r, []):
            sp = line[prev.end[1]:t.start[1]] if prev else ""
            if paren and t is paren[0]:
                items.append(Item("(", sp, OP, -10, ind))
                sp = ""
            items.append(Item(t.string, sp, t.type, t.start[1], ind))
            if paren and t is paren[1]: items.append(Item(")", "", OP, -10, ind))
            prev = t
        rows.append((ind, items))
    mark_tight(rows)
    return rows

def mark_tight(rows):
    "Mark (in place) the commas of `for` targets and `lambda` parameters: no break goes after them."
    levels = [None]   # per bracket level: 'for' or 'lambda' while in a target or parameter list
    for _, items in rows:
        for k, it in enumerate(items):
            if is_op(it, OPENERS): levels.append(None)
            elif is_op(it, CLOSERS): levels = levels[:-1] or [None]
            elif it.type == NAME and it.text in ("for", "lambda"): levels[-1] = it.text
            elif ((it.type == NAME and it.text == "in" and levels[-1] == "for")
                  or (is_op(it, {":"}) and levels[-1] == "lambda")):
                levels[-1] = None
            elif is_op(it, {","}) and levels[-1]: items[k] = replace(it, tight=True)

def matching(code, a):
    "Index of the bracket closing code[a]."
    d = 0
    for k in range(a, len(code)):
        if code[k].type == OP and code[k].string in OPENERS: d += 1
        elif code[k].type == OP and code[k].string in CLOSERS:
            d -= 1
            if d == 0: return k
    return None

def breakable(span):
    "Has `span` a top-level place where a break could go once it is parenthesised?"
    ds = depths(span)
    for k in range(1, len(span)):
        prev, cur = span[k - 1], span[k]
        if ds[k] or ds[k - 1]: continue
        if prev.string == "," or (prev.type == STRING and cur.type == STRING): return True
        if cur.string in BINOPS or cur.string in ("if", "else", "and", "or"): return True
    return any(t.type == STRING and not d for t, d in zip(span, ds))   # a string can be split

def paren_spans(code):
    "(first, last) tokens of the parts of a statement that may be parenthesised (rule 3)."
    n, ds = len(code), depths(code)
    end = n - 2 if code[-1].string == ";" else n - 1
    top = lambda s, lo=0: next((k for k in range(lo, n)
                                if ds[k] == 0 and code[k].string == s), None)
    spans = []
    def add(a, b):
        if a is not None and b is not None and a <= b and breakable(code[a:b + 1]):
            spans.append((code[a], code[b]))
    head = code[0].string if code[0].type == NAME else None
    if head in ("if", "elif", "while"): add(1, header_colon(code) - 1)
    elif head == "for" and top("in") is not None: add(top("in") + 1, header_colon(code) - 1)
    elif head in ("return", "yield") and not (n > 1 and code[1].string == "from"): add(1, end)
    elif head == "raise": add(1, top("from") - 1 if top("from") else end)
    elif head == "assert":
        comma = top(",")
        add(1, comma - 1 if comma else end)
        if comma: add(comma + 1, end)
    elif head == "from" and top("import") is not None: add(top("import") + 1, end)
    elif head is None or not keyword.iskeyword(head) or head in ("await", "lambda", "not", "None",
                                                                 "True", "False"):
        lam = top("lambda")
        eqs = [k for k in range(lam if lam is not None else n) if ds[k] == 0 and code[k].type == OP
               and (code[k].string == "=" or code[k].string in AUGASSIGN)]
        if eqs: add(eqs[-1] + 1, end)
        elif not (n == 1 and code[0].type == STRING): add(0, end)
    return spans

def refillable(unit, lines, ctx):
    "Can the re-filling lay this unit out (no multi-line string, not a docstring)?"
    code = unit.code
    if not code or any(t.type == STRING and t.start[0] != t.end[0] for t in code): return False
    return not (len(code) == 1 and code[0].start in ctx.docstrings)

def backslash_rows(unit, lines):
    "Rows (0-based) of the unit that end with a backslash continuation."
    return [r for r in range(unit.first, unit.last) if lines[r].rstrip().endswith("\\")]

def covers(span, rows):
    "Does the token span enclose the line breaks after `rows` (0-based)?"
    return all(span[0].start[0] - 1 <= r and span[1].end[0] - 1 >= r + 1 for r in rows)

def refill(unit, lines, ctx):
    """Rules 2-4: the best re-filling of a statement, with or without a parenthesised part.
    Backslash continuations go (the rows are rebuilt from tokens): only inside new parentheses that
    enclose them."""
    if not refillable(unit, lines, ctx): return None
    code, backslashes = unit.code, backslash_rows(unit, lines)
    header = code[0].type == NAME and code[0].string in COMPOUND and code[-1].string == ":"
    best = None
    options = [None] + paren_spans(code)
    for paren in [p for p in options if p and covers(p, backslashes)] if backslashes else options:
        rows = unit_rows(unit, lines, paren)
        for strategy in ("shallow", "fill", "hang"):
            out, n_dangle = layout(rows,
                                   Cfg(ctx.limit, strategy, indent_of(lines[unit.first]), header))
            score = (badness(out, ctx.limit), n_dangle, len(out))
            if best is None or score < best[0]: best = (score, out)
    return best[1] if best else None


# ---------------------------------------------------------------- driver

TRANSFORMS = [("wrap comment", wrap_comments), ("move comment", move_comments),
              ("docstring", wrap_docstring), ("compound", split_compound),
              ("semicolons", split_semicolons), ("refill", refill)]

@dataclass
class Ctx:
    limit: int
    docstrings: set   # (row, col) of docstring tokens (rows 1-based)

def make_ctx(code, limit):
    starts = {(c.lineno, c.col_offset) for c in docstring_nodes(ast.parse(code))}
    return Ctx(limit, starts)

def is_long(unit, lines, limit):
    return any(len(lines[r]) > limit for r in range(unit.first, unit.last + 1))

def rewrite_unit(unit, lines, ctx, ref, refusals):
    "The lines after the first transform that shortens `unit` and keeps the AST (None: none does)."
    old = lines[unit.first:unit.last + 1]
    for name, transform in TRANSFORMS:
        new = transform(unit, lines, ctx)
        if new is None or badness(new, ctx.limit) >= badness(old, ctx.limit): continue
        cand = lines[:unit.first] + new + lines[unit.last + 1:]
        ok, why = same_ast(ref, "\n".join(cand))
        if ok: return cand
        refusals.setdefault((name, "\n".join(old)), why)
    return None

def rewrite_pass(code, ref, limit, refusals):
    "One pass over the long units of `code`, bottom-up: (new code, changed?)."
    lines, ctx, changed = code.split("\n"), make_ctx(code, limit), False
    for unit in reversed(logical_units(code)):
        if not is_long(unit, lines, limit): continue
        new = rewrite_unit(unit, lines, ctx, ref, refusals)
        if new is not None: lines, changed = new, True
    return "\n".join(lines), changed

def rewrite_code(code, limit):
    "`code` with its long lines rewritten: (new code, {(transform, old text): reason refused})."
    ref, refusals = normalised_dump(code), {}
    for _ in range(MAX_PASSES):
        code, changed = rewrite_pass(code, ref, limit, refusals)
        if not changed: return code, refusals
    refusals[("driver",
              code)] = f"no fixed point after {MAX_PASSES} passes: a rerun may change more"
    return code, refusals

@dataclass
class CellResult:
    text: str
    skipped: bool = False   # does not parse: left alone
    refusals: dict = None
    failed: str = ""        # the final whole-cell proof failed: old text kept

def rewrite_cell(text, limit):
    """A cell's source with its long lines rewritten (directives kept; a cell that does not parse:
    as it is)."""
    dirs, code = split_directives(text)
    try: ref = normalised_dump(code)
    except SyntaxError: return CellResult(text, skipped=True)
    new, refusals = rewrite_code(code, limit)
    if new == code: return CellResult(text, refusals=refusals)
    ok, why = same_ast(ref, new)
    if not ok: return CellResult(text, refusals=refusals, failed=why)
    return CellResult("\n".join(dirs + [new]) if dirs else new, refusals=refusals)

def long_lines(text, limit): return [l for l in text.split("\n") if len(l) > limit]


# ---------------------------------------------------------------- main

def process_notebook(path, root, limit, dry_run, report):
    """Rewrite the code cells of one notebook (unless `dry_run`), noting what happened in `report`;
    cells changed."""
    raw = path.read_text()
    nb = json.loads(raw)
    changed = 0
    for ci, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code": continue
        old = "".join(cell["source"])
        if not long_lines(old, limit): continue
        res = rewrite_cell(old, limit)
        where = f"{path.relative_to(root)} cell {ci}"
        if res.skipped: report["skipped"].append(where)
        if res.failed: report["failed"].append((where, res.failed))
        for (name, text), why in (res.refusals or {}).items():
            report["refused"].append((where, name, why, text))
        left = long_lines(res.text, limit)
        if left: report["still_over"].append((where, len(left), left))
        if res.text != old:
            cell["source"] = to_source(res.text)
            changed += 1
            report["changed"].append((where, old, res.text))
    if changed and not dry_run: path.write_text(dump_notebook(nb))
    return changed

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--report",
                    help="write the details (changes, refusals, long lines left) as JSON here")
    a = ap.parse_args(argv)
    root = Path(a.root).resolve()
    report = dict(changed=[], refused=[], failed=[], skipped=[], still_over=[])
    n_nb = n_cells = 0
    for p in notebook_paths(root):
        c = process_notebook(p, root, a.limit, a.dry_run, report)
        n_nb, n_cells = n_nb + bool(c), n_cells + c
    print(f"{'would change' if a.dry_run else 'changed'} {n_cells} cells in {n_nb} notebooks")
    print(f"refused rewrites (AST would change): {len(report['refused'])}")
    for where, name, why, text in report["refused"]:
        print(f"  {where}: {name}: {why}: {text.splitlines()[0][:90]!r}")
    print(f"cells whose final proof failed (kept as they were): {len(report['failed'])}")
    for where, why in report["failed"]: print(f"  {where}: {why}")
    print(f"long cells left alone (do not parse): {len(report['skipped'])}")
    for where in report["skipped"]: print(f"  {where}")
    n_left = sum(n for _, n, _ in report["still_over"])
    print(f"cells still over {a.limit}: {len(report['still_over'])} ({n_left} lines)")
    for where, n, _ in report["still_over"]: print(f"  {where}: {n}")
    if a.report: Path(a.report).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 0

if __name__ == "__main__": sys.exit(main())
