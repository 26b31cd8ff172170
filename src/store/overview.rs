//! The data overview: every table of programme data as titled columns of text, for the
//! data page (the titles and the wording of coded values are the page's Vietnamese).

use rusqlite::Connection;
use serde::Serialize;

/// One table of programme data, as the data page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DataTable {
    pub id: &'static str,
    pub title: &'static str,
    pub total: i64,
    /// Column titles; a column whose title starts with "Mã" holds codes (shown as such).
    pub columns: Vec<&'static str>,
    /// The first rows (at most `limit`).
    pub rows: Vec<Vec<String>>,
}

/// The programme data held, table by table, with the first `limit` rows of each as text.
pub fn tables(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<DataTable>> {
    const TABLES: &[(&str, &str, &[&str], &str)] = &[
        (
            "agencies",
            "Cơ quan",
            &["Tên ngắn", "Cấp", "Thư điện tử", "Mã"],
            "SELECT short_name, CASE level WHEN 'national' THEN 'trung ương' WHEN 'province' THEN 'tỉnh'
                WHEN 'district' THEN 'huyện' WHEN 'commune' THEN 'xã' WHEN 'department' THEN 'sở, ngành'
                WHEN 'office' THEN 'phòng, ban' ELSE 'khác' END, coalesce(email, ''), id FROM agencies ORDER BY id",
        ),
        (
            "people",
            "Người ký",
            &["Họ tên", "Chức danh", "Cơ quan", "Mã"],
            "SELECT p.name, p.title, coalesce(a.short_name, p.agency_id), p.id
             FROM people p LEFT JOIN agencies a ON a.id = p.agency_id ORDER BY p.agency_id, p.rowid",
        ),
        (
            "groups",
            "Nhóm nơi nhận",
            &["Tên", "Số thành viên", "Mã"],
            "SELECT g.name, count(m.agency_id), g.id FROM recipient_groups g LEFT JOIN group_members m ON m.group_id = g.id GROUP BY g.id ORDER BY g.id",
        ),
        (
            "programmes",
            "Chương trình",
            &["Năm", "Tên", "Cơ quan chủ trì", "Mã"],
            "SELECT p.year, p.name, coalesce(a.short_name, p.issuer_id), p.id
             FROM programmes p LEFT JOIN agencies a ON a.id = p.issuer_id ORDER BY p.year DESC, p.id",
        ),
        (
            "products",
            "Sản phẩm",
            &["Tên", "Chủ thể", "Nhóm", "Mã"],
            "SELECT p.name, pr.name, p.product_group, p.id FROM products p JOIN producers pr ON pr.id = p.producer_id ORDER BY p.id",
        ),
        (
            "evaluations",
            "Kết quả đánh giá",
            &["Sản phẩm", "Ngày", "Điểm", "Hội đồng", "Mã đợt"],
            "SELECT coalesce(p.name, e.product_id), strftime('%d/%m/%Y', e.date), e.score,
                    CASE e.council_level WHEN 'commune' THEN 'xã' WHEN 'district' THEN 'huyện'
                    WHEN 'province' THEN 'tỉnh' ELSE 'trung ương' END, e.round
             FROM evaluations e LEFT JOIN products p ON p.id = e.product_id ORDER BY e.date DESC, e.id",
        ),
        (
            "milestones",
            "Mốc thời hạn",
            &["Nội dung", "Hạn", "Chương trình", "Mã"],
            "SELECT m.what, strftime('%d/%m/%Y', m.due_date), coalesce(p.name, m.programme_id), m.id
             FROM milestones m LEFT JOIN programmes p ON p.id = m.programme_id ORDER BY m.due_date DESC, m.id",
        ),
        (
            "reminder_policies",
            "Chính sách nhắc hạn",
            &["Mã phạm vi", "Trước hạn (ngày)", "Đúng hạn", "Quá hạn, nhắc mỗi (ngày)", "Tính ngày làm việc", "Tự động", "Cơ quan viết"],
            "SELECT CASE scope WHEN '' THEN '(mặc định)' ELSE scope END, before_days,
                    CASE on_due WHEN 1 THEN 'có' ELSE 'không' END, coalesce(overdue_every, '—'),
                    CASE working_days WHEN 1 THEN 'có' ELSE 'không' END,
                    CASE auto WHEN 'draft' THEN 'soạn nháp' WHEN 'issue' THEN 'ban hành' ELSE 'ban hành và gửi' END,
                    coalesce((SELECT short_name FROM agencies WHERE id = issuer_id), issuer_id, '(cơ quan chủ trì)')
             FROM reminder_policies ORDER BY scope",
        ),
    ];
    let mut out = vec![];
    for (id, title, columns, sql) in TABLES {
        let total: i64 =
            conn.query_row(&format!("SELECT count(*) FROM ({sql})"), [], |r| r.get(0))?;
        let mut stmt = conn.prepare(&format!("{sql} LIMIT ?1"))?;
        let n = columns.len();
        let rows = stmt
            .query_map([limit], |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => String::new(),
                            rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                            rusqlite::types::ValueRef::Real(v) => v.to_string(),
                            rusqlite::types::ValueRef::Text(t) => {
                                String::from_utf8_lossy(t).into_owned()
                            }
                            rusqlite::types::ValueRef::Blob(_) => String::new(),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<String>>>()
            })?
            .collect::<Result<_, _>>()?;
        out.push(DataTable {
            id,
            title,
            total,
            columns: columns.to_vec(),
            rows,
        });
    }
    Ok(out)
}
