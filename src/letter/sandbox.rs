//! The tera that fills a letter's bodies from its data: nothing a letter writes is code.
//!
//! A letter is written by whoever may compose one (any role of the service), so its
//! `{{ }}` and `{% %}` parts are untrusted. They get a tera built from an allow-list,
//! not tera's default instance:
//!
//! 1. **Only named functions, filters and tests.** The instance starts from tera's own
//!    and keeps only the names in [`FUNCTIONS`], [`FILTERS`] and [`TESTS`]; whatever a
//!    future tera adds is dropped, not inherited. `get_env`, `now`, `get_random`,
//!    `throw` are gone; `range` is ours, with the budget below.
//! 2. **No other template or file.** `include`, `import`, `extends`, `macro`, `block`
//!    and `super()` are refused before anything runs, with the line they are on.
//! 3. **A budget per render** ([`Limits`]): loop iterations, bytes written, the size of
//!    every value a `set` or a filter makes, and a deadline. The check runs at every
//!    loop iteration (a call is inserted at the top of each loop body), after every
//!    `set`, after every filter and at every write, so a render over budget stops there
//!    instead of running on after its caller has gone.
//!
//! The invariant: with the limits of [`Limits::LETTER`], one render takes at most about
//! a second and a few times `max_value` bytes, whatever the letter says.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tera::ast::{Expr, ExprVal, FunctionCall, Node, WS};
use tera::{Context, Filter, Tera, Value};

/// The only tera functions a letter may call.
pub const FUNCTIONS: &[&str] = &["range"];
/// The only tera filters a letter may use (ours: `money`, `vn_date`, `lower_first`).
pub const FILTERS: &[&str] = &[
    "money",
    "vn_date",
    "lower_first",
    "safe",
    "upper",
    "lower",
    "capitalize",
    "title",
    "trim",
    "trim_start",
    "trim_end",
    "truncate",
    "wordcount",
    "length",
    "first",
    "last",
    "nth",
    "join",
    "default",
    "round",
    "abs",
    "int",
    "float",
    "as_str",
    "reverse",
    "sort",
    "unique",
    "slice",
    "get",
    "map",
    "filter",
    "pluralize",
];
/// The only tera tests (`is …`) a letter may use.
pub const TESTS: &[&str] = &[
    "defined",
    "undefined",
    "odd",
    "even",
    "string",
    "number",
    "divisibleby",
    "iterable",
    "object",
    "starting_with",
    "ending_with",
    "containing",
];

/// The name of the budget check inserted into loops and after `set`; not callable
/// to any effect by a letter (it only checks).
const CHECK: &str = "__vanthu_budget";
/// At most this many values joined by `~` in one expression.
const MAX_CONCAT: usize = 16;
/// At most this many items in an array written in the template.
const MAX_ARRAY: usize = 256;
/// The deepest nesting a template may have: brackets `(` `[` inside one tag, and
/// blocks (`if`, `for`, `filter`) inside each other. tera's parser and renderer recurse
/// once per level (3,000 levels overflowed a thread's stack and aborted the service);
/// real letters nest 2 or 3 deep.
pub const MAX_NESTING: usize = 32;
/// The most operators (`+ - * / % ~ == != < > <= >= and or not in is`) in one tag:
/// tera builds its expression tree one level deeper per operator.
pub const MAX_OPERATORS: usize = 64;

/// What one render may spend.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Loop iterations in all, nested loops counted in full.
    pub iterations: u64,
    /// Bytes of output.
    pub output: usize,
    /// Bytes of any one value made by `set` or a filter.
    pub value: usize,
    /// Wall time.
    pub time: Duration,
}

impl Limits {
    /// The budget of a letter body: far above any real letter (seed 003's annex runs a
    /// few dozen iterations and writes 10 kB), far below harm.
    pub const LETTER: Limits = Limits {
        iterations: 100_000,
        output: 2 * 1024 * 1024,
        value: 1024 * 1024,
        time: Duration::from_secs(1),
    };
}

/// Why a template was refused or stopped. The messages are for the clerk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    #[error("{}không dùng được hàm {name}() trong thư: thư chỉ dùng dữ liệu của chính nó (hàm dùng được: {})", at(*line), FUNCTIONS.join(", "))]
    Function { name: String, line: Option<usize> },
    #[error("{}không dùng được bộ lọc \"{name}\" trong thư; bộ lọc dùng được: {}", at(*line), FILTERS.join(", "))]
    Filter { name: String, line: Option<usize> },
    #[error("{}không dùng được phép thử \"is {name}\" trong thư; dùng được: {}", at(*line), TESTS.join(", "))]
    Test { name: String, line: Option<usize> },
    #[error("{}không dùng được {{% {tag} %}} trong thư: thư không đọc mẫu, macro hay tệp nào khác", at(*line))]
    Tag {
        tag: &'static str,
        line: Option<usize>,
    },
    #[error("{}biểu thức quá dài: {what}", at(*line))]
    Shape { what: String, line: Option<usize> },
    #[error("{}{what} lồng nhau quá {MAX_NESTING} tầng; hãy viết đơn giản hơn", at(*line))]
    Nesting {
        what: &'static str,
        line: Option<usize>,
    },
    #[error("{}một biểu thức có quá {MAX_OPERATORS} phép toán; hãy tách thành nhiều biểu thức", at(*line))]
    Operators { line: Option<usize> },
    #[error("mẫu vượt giới hạn: {0}; hãy rút gọn vòng lặp hoặc dữ liệu")]
    Budget(String),
    #[error("lỗi mẫu tera{}: {message}", line.map(|l| format!(" ở dòng {l}")).unwrap_or_default())]
    Tera {
        message: String,
        line: Option<usize>,
    },
}

fn at(line: Option<usize>) -> String {
    line.map(|l| format!("dòng {l}: ")).unwrap_or_default()
}

/// Renders `src` (named `name`: a name ending in `.md` escapes values with `escape`)
/// with `context`, inside `limits`.
pub fn render(
    src: &str,
    name: &str,
    context: &Context,
    escape: fn(&str) -> String,
    limits: Limits,
) -> Result<String, SandboxError> {
    if let Some((tag, line)) = forbidden_tag(src) {
        return Err(SandboxError::Tag {
            tag,
            line: Some(line),
        });
    }
    shape(src)?;
    let mut template = tera::Template::new(name, None, src).map_err(syntax_error)?;
    let mut check = Checker { src, problem: None };
    check.nodes(&template.ast);
    if let Some(p) = check.problem {
        return Err(p);
    }
    guard(&mut template.ast);
    let mut tera = base().clone();
    tera.autoescape_on(vec![".md"]);
    tera.set_escape_fn(escape);
    tera.templates.insert(name.to_string(), template);

    let budget = Budget::new(limits);
    BUDGET.with(|b| *b.borrow_mut() = Some(budget));
    let mut out = Capped::default();
    let result = tera.render_to(name, context, &mut out);
    let spent = BUDGET
        .with(|b| b.borrow_mut().take())
        .and_then(|b| b.exceeded);
    if let Some(why) = spent {
        return Err(SandboxError::Budget(why));
    }
    result.map_err(|e| {
        let raw = super::error_chain(&e);
        SandboxError::Tera {
            line: super::template_line(src, &raw),
            message: runtime_message(&raw),
        }
    })?;
    String::from_utf8(out.bytes).map_err(|e| SandboxError::Tera {
        message: e.to_string(),
        line: None,
    })
}

/// The tags that reach other templates, looked for in the text before parsing (tera
/// refuses some of them where they stand with a message of its own, in English).
const FORBIDDEN_TAGS: [&str; 5] = ["include", "import", "extends", "macro", "block"];

/// The first forbidden tag and its line (1-based).
fn forbidden_tag(src: &str) -> Option<(&'static str, usize)> {
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
fn shape(src: &str) -> Result<(), SandboxError> {
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

/// A tera syntax error, with the line tera points at (` --> 3:5`) and its last
/// explanation line.
fn syntax_error(e: tera::Error) -> SandboxError {
    let message = super::error_chain(&e);
    let line = message
        .split("--> ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.trim().parse().ok());
    let why = message
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('='))
        .map(|l| l.trim_start().trim_start_matches('=').trim().to_string())
        .unwrap_or(message);
    SandboxError::Tera {
        message: format!("sai cú pháp {{{{ }}}} hoặc {{% %}} ({why})"),
        line,
    }
}

/// A tera render error as the clerk reads it: the commonest, a name the data does not
/// have, in Vietnamese; otherwise tera's own words without its "Failed to render"
/// preamble.
fn runtime_message(raw: &str) -> String {
    let detail = raw
        .split_once(": ")
        .filter(|(head, _)| head.starts_with("Failed to render"))
        .map_or(raw, |(_, rest)| rest);
    match detail
        .strip_prefix("Variable `")
        .and_then(|rest| rest.split_once('`'))
    {
        Some((name, rest)) if rest.starts_with(" not found") => format!(
            "không có giá trị \"{name}\" trong dữ liệu của thư (mục [data], hay programme khi thư ghi programme = \"…\"); hãy kiểm tra tên"
        ),
        _ => detail.to_string(),
    }
}

/// tera with only the allowed names, each filter wrapped in the budget; built once.
fn base() -> &'static Tera {
    static BASE: OnceLock<Tera> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut t = Tera::default();
        t.functions.clear();
        t.testers.retain(|k, _| TESTS.contains(&k.as_str()));
        t.filters.retain(|k, _| FILTERS.contains(&k.as_str()));
        t.register_filter("money", super::money_filter);
        t.register_filter("vn_date", super::vn_date_filter);
        t.register_filter("lower_first", super::lower_first_filter);
        let wrapped: Vec<(String, Arc<dyn Filter>)> = t
            .filters
            .iter()
            .map(|(k, f)| (k.clone(), Arc::new(Checked(f.clone())) as Arc<dyn Filter>))
            .collect();
        t.filters = wrapped.into_iter().collect();
        t.register_function("range", range);
        t.register_function(CHECK, check_value);
        t
    })
}

/// Walks the syntax tree and keeps the first thing a letter may not use.
struct Checker<'a> {
    src: &'a str,
    problem: Option<SandboxError>,
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

    fn nodes(&mut self, nodes: &[Node]) {
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
fn guard(nodes: &mut Vec<Node>) {
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
fn check_call(key: Option<&str>) -> Node {
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

/// The budget of the render running on this thread (tera renders on its caller's
/// thread, so the functions and filters it calls find it here).
struct Budget {
    limits: Limits,
    deadline: Instant,
    iterations: u64,
    exceeded: Option<String>,
}

thread_local! {
    static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

impl Budget {
    fn new(limits: Limits) -> Self {
        Budget {
            limits,
            deadline: Instant::now() + limits.time,
            iterations: 0,
            exceeded: None,
        }
    }
}

/// Runs `f` on this thread's budget; an error stops the render. Outside a render
/// (no budget) there is nothing to spend.
fn spend(f: impl FnOnce(&mut Budget) -> Result<(), String>) -> tera::Result<()> {
    BUDGET.with(|b| {
        let mut b = b.borrow_mut();
        let Some(budget) = b.as_mut() else {
            return Ok(());
        };
        if let Some(why) = &budget.exceeded {
            return Err(tera::Error::msg(why.clone()));
        }
        let result = if Instant::now() > budget.deadline {
            Err(format!(
                "mẫu chạy quá {} giây",
                budget.limits.time.as_secs_f32()
            ))
        } else {
            f(budget)
        };
        result.map_err(|why| {
            budget.exceeded = Some(why.clone());
            tera::Error::msg(why)
        })
    })
}

fn check_size(v: &Value) -> tera::Result<()> {
    spend(|b| {
        let max = b.limits.value;
        if size_of(v, max) > max {
            Err(format!("một giá trị lớn quá {}", bytes(max)))
        } else {
            Ok(())
        }
    })
}

/// About how many bytes `v` holds, counting no further than past `max`.
fn size_of(v: &Value, max: usize) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(items) => {
            let mut n = 0;
            for i in items {
                n += 8 + size_of(i, max);
                if n > max {
                    break;
                }
            }
            n
        }
        Value::Object(m) => {
            let mut n = 0;
            for (k, i) in m {
                n += 8 + k.len() + size_of(i, max);
                if n > max {
                    break;
                }
            }
            n
        }
        _ => 8,
    }
}

fn bytes(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{} MB", n / (1024 * 1024))
    } else {
        format!("{} kB", n / 1024)
    }
}

/// The inserted check: counts one loop iteration, or measures the value `v` just set.
fn check_value(args: &HashMap<String, Value>) -> tera::Result<Value> {
    match args.get("v") {
        Some(v) => check_size(v)?,
        None => spend(|b| {
            b.iterations += 1;
            if b.iterations > b.limits.iterations {
                Err(format!(
                    "vòng lặp chạy quá {} lượt",
                    crate::text::group_thousands(b.limits.iterations as i64)
                ))
            } else {
                Ok(())
            }
        })?,
    }
    Ok(Value::String(String::new()))
}

/// `range(end=…, start=0, step_by=1)`, refused before it is built when it is longer
/// than the iterations left.
fn range(args: &HashMap<String, Value>) -> tera::Result<Value> {
    let int = |name: &str, default: Option<i64>| -> tera::Result<i64> {
        match args.get(name) {
            Some(v) => v
                .as_i64()
                .ok_or_else(|| tera::Error::msg(format!("range: {name} phải là số nguyên"))),
            None => default.ok_or_else(|| tera::Error::msg("range cần end=…")),
        }
    };
    let start = int("start", Some(0))?;
    let end = int("end", None)?;
    let step = int("step_by", Some(1))?;
    if step <= 0 {
        return Err(tera::Error::msg("range: step_by phải lớn hơn 0"));
    }
    let count = if end > start {
        ((end - start) as u64).div_ceil(step as u64)
    } else {
        0
    };
    spend(|b| {
        if b.iterations.saturating_add(count) > b.limits.iterations {
            Err(format!(
                "range dài quá {} phần tử",
                crate::text::group_thousands(b.limits.iterations as i64)
            ))
        } else {
            Ok(())
        }
    })?;
    Ok(Value::Array(
        (0..count as i64)
            .map(|i| Value::from(start + i * step))
            .collect(),
    ))
}

/// A filter whose output is measured against the budget.
struct Checked(Arc<dyn Filter>);

impl Filter for Checked {
    fn filter(&self, value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let out = self.0.filter(value, args)?;
        check_size(&out)?;
        Ok(out)
    }

    fn is_safe(&self) -> bool {
        self.0.is_safe()
    }
}

/// The output, refused past the budget's size; each write also checks the deadline.
#[derive(Default)]
struct Capped {
    bytes: Vec<u8>,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let len = self.bytes.len() + buf.len();
        spend(|b| {
            if len > b.limits.output {
                Err(format!(
                    "nội dung sinh ra dài quá {}",
                    bytes(b.limits.output)
                ))
            } else {
                Ok(())
            }
        })
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Result<String, SandboxError> {
        let mut ctx = Context::new();
        ctx.insert("items", &vec![1, 2, 3]);
        ctx.insert("name", "Sở Nông nghiệp");
        render(src, "t.md", &ctx, |s| s.to_string(), Limits::LETTER)
    }

    #[test]
    fn data_and_allowed_filters_work() {
        let out = run("{% for i in items %}{{ i }},{% endfor %} {{ name | upper }} {{ 1200 | money }} {% for i in range(end=3) %}{{ i }}{% endfor %}").unwrap();
        assert_eq!(out, "1,2,3, SỞ NÔNG NGHIỆP 1.200 012");
    }

    #[test]
    fn every_default_function_outside_the_allow_list_is_refused_with_its_line() {
        for f in ["get_env", "now", "get_random", "throw"] {
            let err = run(&format!("Dòng một\n{{{{ {f}(name=\"HOME\") }}}}")).unwrap_err();
            assert_eq!(
                err,
                SandboxError::Function {
                    name: f.into(),
                    line: Some(2)
                },
                "{f}"
            );
            assert!(err.to_string().starts_with("dòng 2: không dùng được hàm"));
        }
    }

    #[test]
    fn nothing_outside_the_allow_list_survives_in_the_instance() {
        let t = base();
        let mut f: Vec<_> = t.functions.keys().cloned().collect();
        f.sort();
        assert_eq!(f, vec![CHECK.to_string(), "range".to_string()]);
        assert!(t.filters.keys().all(|k| FILTERS.contains(&k.as_str())));
        assert!(t.testers.keys().all(|k| TESTS.contains(&k.as_str())));
    }

    #[test]
    fn other_templates_and_macros_are_refused() {
        for (src, tag) in [
            ("{% include \"/etc/passwd\" %}", "include"),
            ("{% import \"m.html\" as m %}", "import"),
            ("{% extends \"base.html\" %}", "extends"),
            ("{% macro m() %}x{% endmacro m %}", "macro"),
            ("{% block b %}x{% endblock b %}", "block"),
        ] {
            match run(src) {
                Err(SandboxError::Tag { tag: t, line }) => {
                    assert_eq!((t, line), (tag, Some(1)), "{src}")
                }
                other => panic!("{src}: {other:?}"),
            }
        }
        assert!(matches!(
            run("{{ x | filesizeformat }}"),
            Err(SandboxError::Filter { .. })
        ));
        assert!(matches!(
            run("{% if name is matching(\"a+\") %}x{% endif %}"),
            Err(SandboxError::Test { .. })
        ));
    }

    #[test]
    fn a_name_the_data_lacks_is_said_in_vietnamese_with_its_line() {
        let err = run("Dòng một.\nCó {{ so_luong }} sản phẩm.").unwrap_err();
        let SandboxError::Tera { message, line } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*line, Some(2));
        assert!(
            message.starts_with("không có giá trị \"so_luong\""),
            "{message}"
        );
    }

    #[test]
    fn loops_and_growth_stop_at_the_budget() {
        let huge = run("{% for i in range(end=10000000) %}{% endfor %}").unwrap_err();
        assert!(matches!(huge, SandboxError::Budget(_)), "{huge:?}");
        let nested = run(
            "{% for i in range(end=1000) %}{% for j in range(end=1000) %}{% endfor %}{% endfor %}",
        )
        .unwrap_err();
        assert!(nested.to_string().contains("100.000"), "{nested}");
        let doubling = run("{% set s = \"xxxxxxxx\" %}{% for i in range(end=60) %}{% set_global s = s ~ s %}{% endfor %}").unwrap_err();
        assert!(
            doubling.to_string().contains("giá trị lớn quá"),
            "{doubling}"
        );
        let output =
            run("{% for i in range(end=90000) %}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{% endfor %}")
                .unwrap_err();
        assert!(output.to_string().contains("nội dung sinh ra"), "{output}");
        // The budget is per render: the next one starts afresh.
        assert!(run("{% for i in range(end=99000) %}{% endfor %}ok").is_ok());
    }

    /// Runs `f` on a thread with a 1 MiB stack: an eighth of the service's
    /// ([`crate::limits::THREAD_STACK`]), so what passes here has room to spare there.
    fn on_small_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(1024 * 1024)
                .spawn_scoped(s, f)
                .unwrap()
                .join()
                .unwrap()
        })
    }

    #[test]
    fn deep_nesting_is_refused_before_tera_parses_it() {
        on_small_stack(|| {
            for n in [3_000, 100_000] {
                let parens = format!("{{{{ {}1{} }}}}", "(".repeat(n), ")".repeat(n));
                let ifs = format!("{}x{}", "{% if true %}".repeat(n), "{% endif %}".repeat(n));
                let arrays = format!("{{{{ {}1{} }}}}", "[".repeat(n), "]".repeat(n));
                let sums = format!("{{{{ 1{} }}}}", " + 1".repeat(n));
                for (src, want) in [
                    (&parens, "dấu ngoặc lồng nhau quá 32 tầng"),
                    (&ifs, "khối {% if %}, {% for %} lồng nhau quá 32 tầng"),
                    (&arrays, "dấu ngoặc lồng nhau quá 32 tầng"),
                    (&sums, "quá 64 phép toán"),
                ] {
                    let err = run(&format!("Dòng một.\n{src}")).unwrap_err();
                    assert!(err.to_string().contains(want), "{n}: {err}");
                    assert!(err.to_string().starts_with("dòng 2: "), "{err}");
                }
            }
            // At the limits, tera parses and renders, on an eighth of the stack.
            let parens = format!("{{{{ {}1{} }}}}", "(".repeat(32), ")".repeat(32));
            assert_eq!(run(&parens).unwrap(), "1");
            let ifs = format!(
                "{}x{}",
                "{% if true %}".repeat(32),
                "{% endif %}".repeat(32)
            );
            assert_eq!(run(&ifs).unwrap(), "x");
            let sums = format!("{{{{ 1{} }}}}", " + 1".repeat(64));
            assert_eq!(run(&sums).unwrap(), "65");
        });
        // Brackets and operators inside strings are text, not nesting.
        let quoted = format!("{{{{ \"{}\" }}}}", "((((+".repeat(100));
        assert!(run(&quoted).is_ok());
        let raw = format!("{{% raw %}}{}{{% endraw %}}", "{% if true %}".repeat(100));
        assert_eq!(run(&raw).unwrap(), "{% if true %}".repeat(100));
    }

    #[test]
    fn the_deadline_stops_a_slow_render() {
        let mut ctx = Context::new();
        ctx.insert("xs", &(0..300).collect::<Vec<_>>());
        let limits = Limits {
            iterations: u64::MAX,
            time: Duration::from_millis(50),
            ..Limits::LETTER
        };
        let start = Instant::now();
        let err = render(
            "{% for a in xs %}{% for b in xs %}{% for c in xs %}{% endfor %}{% endfor %}{% endfor %}",
            "t.md",
            &ctx,
            |s| s.to_string(),
            limits,
        )
        .unwrap_err();
        assert!(err.to_string().contains("giây"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
