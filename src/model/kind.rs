//! The kinds of administrative documents (Phụ lục III of Nghị định 30/2020/NĐ-CP).

use serde::Serialize;

use crate::text::fold_key;

/// A kind of document: decides the title block, the symbol and the annex wording.
///
/// Invariant: every variant has a Vietnamese name and, except for [`DocKind::CongVan`],
/// an official abbreviation used in the symbol (`KH` in `115/KH-UBND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// Công văn: no title block, a "V/v …" subject under the number.
    CongVan,
    NghiQuyet,
    QuyetDinh,
    ChiThi,
    QuyChe,
    QuyDinh,
    ThongCao,
    ThongBao,
    HuongDan,
    ChuongTrinh,
    KeHoach,
    PhuongAn,
    DeAn,
    DuAn,
    BaoCao,
    BienBan,
    ToTrinh,
    HopDong,
    CongDien,
    GiayUyQuyen,
    GiayMoi,
    GiayGioiThieu,
}

/// (kind, Vietnamese name, abbreviation)
const TABLE: &[(DocKind, &str, &str)] = &[
    (DocKind::CongVan, "công văn", ""),
    (DocKind::NghiQuyet, "nghị quyết", "NQ"),
    (DocKind::QuyetDinh, "quyết định", "QĐ"),
    (DocKind::ChiThi, "chỉ thị", "CT"),
    (DocKind::QuyChe, "quy chế", "QC"),
    (DocKind::QuyDinh, "quy định", "QyĐ"),
    (DocKind::ThongCao, "thông cáo", "TC"),
    (DocKind::ThongBao, "thông báo", "TB"),
    (DocKind::HuongDan, "hướng dẫn", "HD"),
    (DocKind::ChuongTrinh, "chương trình", "CTr"),
    (DocKind::KeHoach, "kế hoạch", "KH"),
    (DocKind::PhuongAn, "phương án", "PA"),
    (DocKind::DeAn, "đề án", "ĐA"),
    (DocKind::DuAn, "dự án", "DA"),
    (DocKind::BaoCao, "báo cáo", "BC"),
    (DocKind::BienBan, "biên bản", "BB"),
    (DocKind::ToTrinh, "tờ trình", "TTr"),
    (DocKind::HopDong, "hợp đồng", "HĐ"),
    (DocKind::CongDien, "công điện", "CĐ"),
    (DocKind::GiayUyQuyen, "giấy ủy quyền", "GUQ"),
    (DocKind::GiayMoi, "giấy mời", "GM"),
    (DocKind::GiayGioiThieu, "giấy giới thiệu", "GGT"),
];

impl DocKind {
    /// Parses a kind from its Vietnamese name ("kế hoạch", "Kế hoạch") or its
    /// abbreviation ("KH"). Returns `None` for anything else.
    pub fn parse(input: &str) -> Option<DocKind> {
        let key = fold_key(input);
        TABLE
            .iter()
            .find(|(_, name, abbr)| {
                fold_key(name) == key || (!abbr.is_empty() && fold_key(abbr) == key)
            })
            .map(|(kind, _, _)| *kind)
    }

    /// The Vietnamese name in lower case, e.g. "kế hoạch".
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The abbreviation used in symbols (`KH`), `None` for công văn.
    pub fn abbreviation(self) -> Option<&'static str> {
        Some(self.row().2).filter(|a| !a.is_empty())
    }

    /// The title printed above the subject ("KẾ HOẠCH"); `None` for công văn,
    /// which has no title block.
    pub fn title(self) -> Option<String> {
        self.abbreviation().map(|_| self.name().to_uppercase())
    }

    /// The name with a capital first letter, as in "Kèm theo Kế hoạch số …".
    pub fn capitalized(self) -> String {
        crate::text::capitalize_first(self.name())
    }

    /// Every accepted name, for error messages.
    pub fn all_names() -> Vec<&'static str> {
        TABLE.iter().map(|(_, name, _)| *name).collect()
    }

    fn row(self) -> &'static (DocKind, &'static str, &'static str) {
        TABLE
            .iter()
            .find(|(k, _, _)| *k == self)
            .expect("every kind is in the table")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_abbreviations() {
        assert_eq!(DocKind::parse("kế hoạch"), Some(DocKind::KeHoach));
        assert_eq!(DocKind::parse("Kế Hoạch"), Some(DocKind::KeHoach));
        assert_eq!(DocKind::parse("KH"), Some(DocKind::KeHoach));
        assert_eq!(DocKind::parse("Công văn"), Some(DocKind::CongVan));
        assert_eq!(DocKind::parse("QĐ"), Some(DocKind::QuyetDinh));
        assert_eq!(DocKind::parse("thư tình"), None);
        assert_eq!(DocKind::parse(""), None);
    }

    #[test]
    fn title_and_abbreviation() {
        assert_eq!(DocKind::QuyetDinh.title().as_deref(), Some("QUYẾT ĐỊNH"));
        assert_eq!(DocKind::CongVan.title(), None);
        assert_eq!(DocKind::CongVan.abbreviation(), None);
        assert_eq!(DocKind::ToTrinh.abbreviation(), Some("TTr"));
        assert_eq!(DocKind::KeHoach.capitalized(), "Kế hoạch");
    }
}
