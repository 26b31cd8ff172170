//! The typed model of a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP).
//!
//! A [`Document`] is built from [`DocumentParts`] by [`Document::new`], which checks
//! every rule the layout depends on. A `Document` that exists is valid: renderers
//! never re-check it.

mod body;
mod date;
mod document;
mod kind;
mod markings;
mod parts;

pub use body::{
    Align, Block, BulletMarker, Cell, HeadingLevel, Inline, Table, TableError, plain_text,
};
pub use date::{DateError, DocDate, day_month_year};
pub use document::*;
pub use kind::DocKind;
pub use markings::{Circulation, DrafterMark, LetterMarks, Markings, Secrecy};
pub use parts::*;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::text::BLANK;

    pub fn sample_parts() -> DocumentParts {
        DocumentParts {
            issuer: Issuer {
                id: None,
                parent: None,
                name: vec!["Ủy ban nhân dân".into(), "tỉnh Quảng Bình".into()],
                abbreviation: "ubnd".into(),
                unit: Some("kt".into()),
                short_name: "UBND tỉnh Quảng Bình".into(),
            },
            kind: DocKind::CongVan,
            number: Some(780),
            place: "Quảng Bình".into(),
            date: DocDate::parse("2021-05-17").unwrap(),
            subject: "V/v tiếp tục triển khai thực hiện\nChương trình OCOP năm 2021".into(),
            urgency: None,
            markings: Markings::default(),
            addressees: vec!["Các Sở".into(), "UBND các huyện, thị xã, thành phố.".into()],
            preamble: None,
            body: vec![Block::Paragraph {
                runs: vec![Inline::plain("Nội dung.")],
            }],
            signature: Signature {
                authority: vec![AuthorityLine::parse("KT. Chủ tịch").unwrap()],
                title: "Phó Chủ tịch".into(),
                name: "Đoàn Ngọc Lâm".into(),
                id: None,
            },
            recipients: vec!["Như trên;".into(), "- Lưu: VT, KT.".into()],
            annexes: vec![],
        }
    }

    #[test]
    fn header_lines_follow_the_decree() {
        let d = Document::new(sample_parts()).unwrap();
        assert_eq!(d.number_line(), "Số: 780/UBND-KT");
        assert_eq!(d.date_line(), "Quảng Bình, ngày 17 tháng 5 năm 2021");
        assert_eq!(d.signature_lines(), vec!["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]);
        assert_eq!(d.recipient_lines(), vec!["- Như trên;", "- Lưu: VT, KT."]);
        assert_eq!(
            d.addressee_lines(),
            vec!["- Các Sở;", "- UBND các huyện, thị xã, thành phố."]
        );
        assert_eq!(
            d.issuer_lines().1,
            vec!["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG BÌNH"]
        );
    }

    #[test]
    fn small_numbers_get_a_leading_zero_and_drafts_a_blank() {
        let mut p = sample_parts();
        p.kind = DocKind::KeHoach;
        p.number = Some(5);
        assert_eq!(
            Document::new(p.clone()).unwrap().number_line(),
            "Số: 05/KH-UBND"
        );
        p.number = None;
        assert_eq!(
            Document::new(p).unwrap().number_line(),
            format!("Số: {BLANK}/KH-UBND")
        );
    }

    #[test]
    fn invalid_parts_are_rejected() {
        let mut p = sample_parts();
        p.signature.name = " ".into();
        assert_eq!(Document::new(p).unwrap_err().field, "signer.name");
        let mut p = sample_parts();
        p.addressees.clear();
        assert_eq!(Document::new(p).unwrap_err().field, "addressees");
        let mut p = sample_parts();
        p.issuer.abbreviation = "UB ND".into();
        assert_eq!(Document::new(p).unwrap_err().field, "issuer.abbreviation");
        let mut p = sample_parts();
        p.kind = DocKind::QuyetDinh;
        assert_eq!(Document::new(p).unwrap_err().field, "decision");
        let mut p = sample_parts();
        p.body = vec![Block::Article {
            number: 2,
            runs: vec![],
        }];
        assert_eq!(Document::new(p).unwrap_err().field, "body");
    }

    #[test]
    fn authority_lines_parse() {
        let a = AuthorityLine::parse("TM. Ủy ban nhân dân").unwrap();
        assert_eq!(a.text(), "TM. ỦY BAN NHÂN DÂN");
        assert!(AuthorityLine::parse("XYZ. CHỦ TỊCH").is_none());
        assert!(AuthorityLine::parse("KT.").is_none());
    }

    #[test]
    fn grounds_are_punctuated() {
        let mut p = sample_parts();
        p.kind = DocKind::QuyetDinh;
        p.preamble = Some(Preamble {
            authority: "CHỦ TỊCH".into(),
            grounds: vec!["Căn cứ A;".into(), "Căn cứ B".into()],
            proposal: Some("Theo đề nghị của C".into()),
        });
        let d = Document::new(p).unwrap();
        assert_eq!(
            d.ground_lines(),
            vec!["Căn cứ A;", "Căn cứ B;", "Theo đề nghị của C."]
        );
    }
}
