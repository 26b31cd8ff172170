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

mod budget;
mod shape;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tera::{Context, Filter, Tera};

use budget::{BUDGET, Budget, Capped, Checked, check_value, range};
use shape::{Checker, forbidden_tag, guard, shape};

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

#[cfg(test)]
mod tests {
    use std::time::Instant;

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
