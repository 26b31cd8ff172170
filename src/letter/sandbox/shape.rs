//! What a letter's template may say, checked before it runs: no tag that reaches
//! another template or file, no name outside the allow-lists, bounded nesting and
//! operators; and the budget check inserted at the top of every loop body.

use std::collections::HashMap;

use tera::ast::{Expr, ExprVal, FunctionCall, Node, WS};

use super::{
    CHECK, FILTERS, FUNCTIONS, MAX_ARRAY, MAX_CONCAT, MAX_NESTING, MAX_OPERATORS, SandboxError,
    TESTS,
};

/// The tags that reach other templates, looked for in the text before parsing (tera
/// refuses some of them where they stand with a message of its own, in English).
pub(super) const FORBIDDEN_TAGS: [&str; 5] = ["include", "import", "extends", "macro", "block"];

/// The first forbidden tag and its line (1-based).
pub(super) fn forbidden_tag(src: &str) -> Option<(&'static str, usize)> {
    for (i, line) in src.lines().enumerate() {
        for (at, _) in line.match_indices("{%") {
            let word: String = line[at + 2..]
                .trim_start_matches('-')
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if let Some(tag) = FORBIDDEN_TAGS.iter().find(|t| **t == word) {
                return Some((tag, i + 1));
            }
        }
    }
    None
}

/// Checks the template's nesting and expression sizes from its text, before tera parses
/// it (tera's parser itself recurses per level, so the tree is too late to look at):
/// at most [`MAX_NESTING`] levels of brackets in a tag and of blocks in each other, at
/// most [`MAX_OPERATORS`] operators in a tag. Linear in the text, with no recursion.
pub(super) fn shape(src: &str) -> Result<(), SandboxError> {
    let bytes = src.as_bytes();
    let line_at = |at: usize| Some(1 + bytes[..at].iter().filter(|&&b| b == b'\n').count());
    let mut blocks = 0usize;
    let mut at = 0;
    while let Some(found) = src[at..].find('{') {
        let open = at + found;
        let close = match bytes.get(open + 1) {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            Some(b'#') => {
                at = src[open..].find("#}").map_or(src.len(), |e| open + e + 2);
                continue;
            }
            _ => {
                at = open + 1;
                continue;
            }
        };
        // The tag's inside, up to its closing marker outside a string literal.
        let inner_from = open + 2;
        let (mut depth, mut operators, mut quote) = (0usize, 0usize, None);
        let mut end = src.len();
        let mut i = inner_from;
        while i < bytes.len() {
            let b = bytes[i];
            if let Some(q) = quote {
                if b == q {
                    quote = None;
                }
                i += 1;
                continue;
            }
            if bytes[i..].starts_with(close.as_bytes()) {
                end = i;
                break;
            }
            match b {
                b'"' | b'\'' | b'`' => quote = Some(b),
                b'(' | b'[' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(SandboxError::Nesting {
                            what: "dấu ngoặc",
                            line: line_at(i),
                        });
                    }
                }
                b')' | b']' => depth = depth.saturating_sub(1),
                b'+' | b'-' | b'*' | b'/' | b'%' | b'~' | b'<' | b'>' => operators += 1,
                b'=' | b'!' if bytes.get(i + 1) == Some(&b'=') => {
                    operators += 1;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
        }
        let inner = &src[inner_from..end];
        operators += inner
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| matches!(*w, "and" | "or" | "not" | "in" | "is"))
            .count();
        if operators > MAX_OPERATORS {
            return Err(SandboxError::Operators {
                line: line_at(open),
            });
        }
        if close == "%}" {
            let word: String = inner
                .trim_start_matches('-')
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            match word.as_str() {
                "if" | "for" | "filter" => {
                    blocks += 1;
                    if blocks > MAX_NESTING {
                        return Err(SandboxError::Nesting {
                            what: "khối {% if %}, {% for %}",
                            line: line_at(open),
                        });
                    }
                }
                "endif" | "endfor" | "endfilter" => blocks = blocks.saturating_sub(1),
                "raw" => {
                    // Literal up to its end tag.
                    at = src[end..].find("endraw").map_or(src.len(), |e| end + e);
                    continue;
                }
                _ => {}
            }
        }
        at = (end + 2).min(src.len());
    }
    Ok(())
}

/// Walks the syntax tree and keeps the first thing a letter may not use.
pub(super) struct Checker<'a> {
    pub(super) src: &'a str,
    pub(super) problem: Option<SandboxError>,
}

impl Checker<'_> {
    fn line_of(&self, needle: &str) -> Option<usize> {
        let tagged = self
            .src
            .lines()
            .position(|l| (l.contains("{{") || l.contains("{%")) && l.contains(needle));
        tagged
            .or_else(|| self.src.lines().position(|l| l.contains(needle)))
            .map(|i| i + 1)
    }

    fn refuse(&mut self, e: SandboxError) {
        self.problem.get_or_insert(e);
    }

    fn tag(&mut self, tag: &'static str) {
        let line = self.line_of(tag);
        self.refuse(SandboxError::Tag { tag, line });
    }

    pub(super) fn nodes(&mut self, nodes: &[Node]) {
        for n in nodes {
            if self.problem.is_some() {
                return;
            }
            match n {
                Node::Text(_) | Node::Raw(..) | Node::Comment(..) => {}
                Node::Break(_) | Node::Continue(_) => {}
                Node::VariableBlock(_, e) => self.expr(e),
                Node::Set(_, s) => self.expr(&s.value),
                Node::FilterSection(_, f, _) => {
                    self.filter(&f.filter);
                    self.nodes(&f.body);
                }
                Node::Forloop(_, f, _) => {
                    self.expr(&f.container);
                    self.nodes(&f.body);
                    if let Some(b) = &f.empty_body {
                        self.nodes(b);
                    }
                }
                Node::If(i, _) => {
                    for (_, e, body) in &i.conditions {
                        self.expr(e);
                        self.nodes(body);
                    }
                    if let Some((_, b)) = &i.otherwise {
                        self.nodes(b);
                    }
                }
                Node::Include(..) => self.tag("include"),
                Node::ImportMacro(..) => self.tag("import"),
                Node::Extends(..) => self.tag("extends"),
                Node::MacroDefinition(..) => self.tag("macro"),
                Node::Block(..) => self.tag("block"),
                Node::Super => self.tag("super"),
            }
        }
    }

    fn filter(&mut self, f: &FunctionCall) {
        if !FILTERS.contains(&f.name.as_str()) {
            let line = self.line_of(&f.name);
            self.refuse(SandboxError::Filter {
                name: f.name.clone(),
                line,
            });
        }
        for a in f.args.values() {
            self.expr(a);
        }
    }

    fn expr(&mut self, e: &Expr) {
        for f in &e.filters {
            self.filter(f);
        }
        self.val(&e.val);
    }

    fn val(&mut self, v: &ExprVal) {
        match v {
            ExprVal::String(_)
            | ExprVal::Int(_)
            | ExprVal::Float(_)
            | ExprVal::Bool(_)
            | ExprVal::Ident(_) => {}
            ExprVal::Math(m) => {
                self.expr(&m.lhs);
                self.expr(&m.rhs);
            }
            ExprVal::Logic(l) => {
                self.expr(&l.lhs);
                self.expr(&l.rhs);
            }
            ExprVal::Test(t) => {
                if !TESTS.contains(&t.name.as_str()) {
                    let line = self.line_of(&t.name);
                    self.refuse(SandboxError::Test {
                        name: t.name.clone(),
                        line,
                    });
                }
                for a in &t.args {
                    self.expr(a);
                }
            }
            ExprVal::MacroCall(m) => {
                let line = self.line_of(&m.name);
                self.refuse(SandboxError::Tag { tag: "macro", line });
            }
            ExprVal::FunctionCall(f) => {
                if !FUNCTIONS.contains(&f.name.as_str()) {
                    let line = self.line_of(&f.name);
                    self.refuse(SandboxError::Function {
                        name: f.name.clone(),
                        line,
                    });
                }
                for a in f.args.values() {
                    self.expr(a);
                }
            }
            ExprVal::Array(items) => {
                if items.len() > MAX_ARRAY {
                    self.refuse(SandboxError::Shape {
                        what: format!("một mảng viết trong mẫu có quá {MAX_ARRAY} phần tử"),
                        line: None,
                    });
                }
                for i in items {
                    self.expr(i);
                }
            }
            ExprVal::StringConcat(c) => {
                if c.values.len() > MAX_CONCAT {
                    self.refuse(SandboxError::Shape {
                        what: format!("nối quá {MAX_CONCAT} giá trị bằng ~"),
                        line: None,
                    });
                }
                for v in &c.values {
                    self.val(v);
                }
            }
            ExprVal::In(i) => {
                self.expr(&i.lhs);
                self.expr(&i.rhs);
            }
        }
    }
}

/// Inserts the budget check at the top of every loop body and after every `set`.
pub(super) fn guard(nodes: &mut Vec<Node>) {
    let mut i = 0;
    while i < nodes.len() {
        let mut after = None;
        match &mut nodes[i] {
            Node::Forloop(_, f, _) => {
                guard(&mut f.body);
                f.body.insert(0, check_call(None));
                if let Some(b) = &mut f.empty_body {
                    guard(b);
                }
            }
            Node::If(n, _) => {
                for (_, _, body) in &mut n.conditions {
                    guard(body);
                }
                if let Some((_, b)) = &mut n.otherwise {
                    guard(b);
                }
            }
            Node::FilterSection(_, f, _) => guard(&mut f.body),
            Node::Set(_, s) => after = Some(check_call(Some(&s.key))),
            _ => {}
        }
        if let Some(node) = after {
            nodes.insert(i + 1, node);
            i += 1;
        }
        i += 1;
    }
}

/// `{{ __vanthu_budget(v=key) }}`: prints nothing, counts an iteration (without a
/// key) or measures the value just set.
pub(super) fn check_call(key: Option<&str>) -> Node {
    let mut args = HashMap::new();
    if let Some(k) = key {
        args.insert("v".to_string(), Expr::new(ExprVal::Ident(k.to_string())));
    }
    Node::VariableBlock(
        WS::default(),
        Expr::new(ExprVal::FunctionCall(FunctionCall {
            name: CHECK.to_string(),
            args,
        })),
    )
}
