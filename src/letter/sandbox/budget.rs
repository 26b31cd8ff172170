//! The budget of one render, spent as it runs: loop iterations, the size of every
//! value a `set` or a filter makes, bytes written, and a deadline.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use tera::{Filter, Value};

use super::Limits;

/// The budget of the render running on this thread (tera renders on its caller's
/// thread, so the functions and filters it calls find it here).
pub(super) struct Budget {
    pub(super) limits: Limits,
    pub(super) deadline: Instant,
    pub(super) iterations: u64,
    pub(super) exceeded: Option<String>,
}

thread_local! {
    pub(super) static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

impl Budget {
    pub(super) fn new(limits: Limits) -> Self {
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
pub(super) fn spend(f: impl FnOnce(&mut Budget) -> Result<(), String>) -> tera::Result<()> {
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

pub(super) fn check_size(v: &Value) -> tera::Result<()> {
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
pub(super) fn size_of(v: &Value, max: usize) -> usize {
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

pub(super) fn bytes(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{} MB", n / (1024 * 1024))
    } else {
        format!("{} kB", n / 1024)
    }
}

/// The inserted check: counts one loop iteration, or measures the value `v` just set.
pub(super) fn check_value(args: &HashMap<String, Value>) -> tera::Result<Value> {
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
pub(super) fn range(args: &HashMap<String, Value>) -> tera::Result<Value> {
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
pub(super) struct Checked(pub(super) Arc<dyn Filter>);

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
pub(super) struct Capped {
    pub(super) bytes: Vec<u8>,
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
