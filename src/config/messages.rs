//! serde's and toml's messages about `vanthu.toml`, said in Vietnamese: `vanthu doctor`
//! and a service that refuses to start tell the IT officer what to fix in their
//! language. The shapes serde writes (`invalid type: …, expected …`, `unknown field …`)
//! are translated with what they name; a syntax error toml describes in its own words
//! keeps them after a Vietnamese lead.

/// `message` (a `toml::de::Error`'s, without its position) in Vietnamese.
pub fn vietnamese(message: &str) -> String {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (field, expected) = split_expected(rest);
        return match expected {
            Some(list) => format!(
                "khóa {} không có ở mục này (các khóa có: {})",
                quoted(field),
                names(list)
            ),
            None => format!("khóa {} không có ở mục này", quoted(field)),
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (value, expected) = split_expected(rest);
        return format!(
            "giá trị {} không dùng được ở đây (chọn một trong: {})",
            quoted(value),
            names(expected.unwrap_or_default())
        );
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("thiếu khóa {}", quoted(field));
    }
    if let Some(field) = message.strip_prefix("duplicate field ") {
        return format!("khóa {} được viết hai lần", quoted(field));
    }
    if message == "duplicate key" {
        return "một khóa được viết hai lần".into();
    }
    for (lead, said) in [
        ("invalid type: ", "sai kiểu"),
        ("invalid value: ", "giá trị không hợp lệ"),
    ] {
        if let Some((found, expected)) = message
            .strip_prefix(lead)
            .and_then(|rest| rest.split_once(", expected "))
        {
            return format!("{said}: {}, cần {}", value(found), kind(expected));
        }
    }
    if let Some((len, expected)) = message
        .strip_prefix("invalid length ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        return format!("độ dài {len} không hợp lệ, cần {}", kind(expected));
    }
    // A syntax error, in toml's words.
    format!("sai cú pháp TOML ({message})")
}

/// "`foo`, expected one of `a`, `b`" → ("`foo`", Some("`a`, `b`")).
fn split_expected(rest: &str) -> (&str, Option<&str>) {
    for sep in [", expected one of ", ", expected "] {
        if let Some((name, list)) = rest.split_once(sep) {
            return (name, Some(list));
        }
    }
    match rest.split_once(", there are no") {
        Some((name, _)) => (name, None),
        None => (rest, None),
    }
}

/// serde's `` `name` `` as "name" (quotes a Vietnamese reader expects).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.trim().trim_matches('`'))
}

/// serde's list of names (`` `a`, `b` `` or `` `a` or `b` ``) as `a, b`.
fn names(list: &str) -> String {
    list.replace(" or ", ", ").replace('`', "")
}

/// What serde found: `string "tám"`, ``integer `5` `` …
fn value(found: &str) -> String {
    let bare = |s: &str| s.trim().trim_matches('`').to_string();
    for (lead, said) in [
        ("string ", "chuỗi "),
        ("integer ", "số nguyên "),
        ("floating point ", "số thực "),
        ("boolean ", ""),
        ("character ", "ký tự "),
    ] {
        if let Some(v) = found.strip_prefix(lead) {
            return format!("{said}{}", bare(v));
        }
    }
    match found {
        "sequence" => "một danh sách [ … ]".into(),
        "map" => "một bảng { … }".into(),
        "unit value" => "giá trị rỗng".into(),
        other => bare(other),
    }
}

/// What serde expected: a Rust type or a phrase.
fn kind(expected: &str) -> String {
    let expected = expected.trim();
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "một số nguyên không âm".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "một số nguyên".into(),
        "f32" | "f64" => "một số".into(),
        "a string" | "a borrowed string" => "một chuỗi trong ngoặc kép".into(),
        "a boolean" => "true hoặc false".into(),
        "a sequence" => "một danh sách [ … ]".into(),
        "a map" | "struct" => "một bảng { … }".into(),
        other if other.starts_with("struct ") => "một bảng { … }".into(),
        other => other.replace('`', ""),
    }
}

#[cfg(test)]
mod tests {
    use super::vietnamese;

    #[test]
    fn serde_and_toml_shapes_are_said_in_vietnamese() {
        for (english, said) in [
            (
                "invalid type: string \"tám\", expected usize",
                "sai kiểu: chuỗi \"tám\", cần một số nguyên không âm",
            ),
            (
                "invalid type: integer `5`, expected a string",
                "sai kiểu: số nguyên 5, cần một chuỗi trong ngoặc kép",
            ),
            (
                "invalid type: boolean `true`, expected u16",
                "sai kiểu: true, cần một số nguyên không âm",
            ),
            (
                "unknown field `foo`, expected one of `addr`, `reminder_at`",
                "khóa \"foo\" không có ở mục này (các khóa có: addr, reminder_at)",
            ),
            (
                "unknown field `x`, there are no fields",
                "khóa \"x\" không có ở mục này",
            ),
            (
                "unknown variant `tls2`, expected one of `tls`, `starttls`, `plain`",
                "giá trị \"tls2\" không dùng được ở đây (chọn một trong: tls, starttls, plain)",
            ),
            (
                "unknown variant `x`, expected `a` or `b`",
                "giá trị \"x\" không dùng được ở đây (chọn một trong: a, b)",
            ),
            ("missing field `agency`", "thiếu khóa \"agency\""),
            ("duplicate key", "một khóa được viết hai lần"),
            (
                "invalid value: integer `-1`, expected u32",
                "giá trị không hợp lệ: số nguyên -1, cần một số nguyên không âm",
            ),
            (
                "unclosed table, expected `]`",
                "sai cú pháp TOML (unclosed table, expected `]`)",
            ),
        ] {
            assert_eq!(vietnamese(english), said, "{english}");
        }
    }
}
