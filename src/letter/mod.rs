//! Letter files: a TOML request for one document (issuer, signer, recipients, kind,
//! subject, date, body), turned into a [`Document`].
//!
//! The body (and each annex body) is written in the markup of [`markup`] and may be
//! filled by tera from the letter's `[data]` table: `{{ value }}` prints a value
//! literally (it is escaped for the markup), `{{ value | safe }}` lets it carry
//! markup, `{{ amount | money }}` prints `10.000.000`, `{{ "2020-10-30" | vn_date }}`
//! prints `30/10/2020`.

pub mod lines;
pub mod markup;
pub mod recorded;
pub mod sandbox;

mod error;
mod fill;
mod lookup;
mod parse;
mod raw;

pub use error::*;
pub use fill::*;
pub use lookup::*;
pub use parse::*;
pub use raw::*;

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::fill::lower_first_filter;
    use super::*;

    #[test]
    fn lower_first_keeps_the_names() {
        let v = tera::Value::String("Chuyển hồ sơ đến Sở Nông nghiệp và PTNT".into());
        assert_eq!(
            lower_first_filter(&v, &HashMap::new()).unwrap(),
            tera::Value::String("chuyển hồ sơ đến Sở Nông nghiệp và PTNT".into())
        );
    }

    #[test]
    fn a_tera_render_error_names_the_template_line() {
        let src = "Dòng một.\n\nCó {{ so | hoa }} sản phẩm.\n";
        assert_eq!(template_line(src, "Filter `hoa` not found"), Some(3));
        let letter = GOOD.replace("{{ product }}", "{{ produkt }}");
        let err = parse(&letter, Path::new("x.toml")).unwrap_err().to_string();
        assert!(err.contains("body: lỗi mẫu tera ở dòng 1: "), "{err}");
    }

    const GOOD: &str = r#"
kind = "công văn"
subject = "V/v thử"
date = "2021-05-17"
number = 7
addressees = ["UBND các huyện"]
recipients = ["Như trên", "Lưu: VT"]
body = """
Sản phẩm {{ product }} được hỗ trợ {{ money | money }} đồng đến ngày {{ due | vn_date }}.
"""

[issuer]
name = ["Ủy ban nhân dân", "tỉnh Quảng Bình"]
abbreviation = "UBND"
unit = "KT"
place = "Quảng Bình"

[signer]
authority = "KT. CHỦ TỊCH"
title = "PHÓ CHỦ TỊCH"
name = "Đoàn Ngọc Lâm"

[data]
product = "*Mật ong* [x]"
money = 10000000
due = "2020-11-05"
"#;

    fn errors(text: &str) -> Vec<Problem> {
        parse(text, Path::new("t.toml")).unwrap_err().problems
    }

    #[test]
    fn a_good_letter_parses_and_fills_data_literally() {
        let d = parse(GOOD, Path::new("t.toml")).unwrap();
        assert_eq!(d.number_line(), "Số: 07/UBND-KT");
        let crate::model::Block::Paragraph { runs } = &d.parts().body[0] else {
            panic!()
        };
        assert_eq!(
            crate::model::plain_text(runs),
            "Sản phẩm *Mật ong* [x] được hỗ trợ 10.000.000 đồng đến ngày 05/11/2020."
        );
    }

    #[test]
    fn missing_signer_names_the_field() {
        let text = GOOD.replace("[signer]", "[other]");
        let e = parse(&text, Path::new("letters/x.toml")).unwrap_err();
        assert!(e.to_string().starts_with("letters/x.toml: "), "{e}");
        // the unknown table is reported, and so is the missing signer
        let text = GOOD.split("[signer]").next().unwrap().to_string()
            + "[data]\nproduct='a'\nmoney=1\ndue='2020-01-01'\n";
        let p = errors(&text);
        assert!(
            p.iter()
                .any(|p| p.field == "signer" && p.message.contains("[signer]")),
            "{p:?}"
        );
    }

    #[test]
    fn unknown_kind_lists_the_accepted_ones() {
        let p = errors(&GOOD.replace("\"công văn\"", "\"thư tay\""));
        assert_eq!(p[0].field, "kind");
        assert!(p[0].message.contains("kế hoạch"));
    }

    #[test]
    fn malformed_and_impossible_dates() {
        let p = errors(&GOOD.replace("2021-05-17", "17.05.2021"));
        assert_eq!(p[0].field, "date");
        let p = errors(&GOOD.replace("2021-05-17", "2021-02-30"));
        assert!(p[0].message.contains("không có trong lịch"));
    }

    #[test]
    fn bad_toml_names_the_line() {
        let p = errors("kind = \"công văn\"\nsubject = thiếu ngoặc\n");
        assert_eq!(p[0].field, "dòng 2", "{p:?}");
    }

    #[test]
    fn bad_markup_and_bad_template_name_the_body() {
        let p = errors(&GOOD.replace("Sản phẩm", "<i>Sản phẩm</i>"));
        assert_eq!(p[0].field, "body");
        assert!(p[0].message.contains("dòng 1"), "{p:?}");
        let p = errors(&GOOD.replace("{{ product }}", "{{ product "));
        assert_eq!(p[0].field, "body");
        assert!(p[0].message.contains("tera"));
    }

    #[test]
    fn unknown_fields_are_reported() {
        let p = errors(&GOOD.replace("subject =", "subjet ="));
        assert!(p[0].message.contains("subjet"), "{p:?}");
    }
}
