//! The programme's data as the service shows and changes it: one milestone and who
//! reported, a report recorded, an import of programme data, and the data tables.

use chrono::NaiveDate;
use serde::Serialize;

use super::{access, accounts, audit, drafts};
use crate::store::Store;

/// One agency responsible for a milestone, and when it reported.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Responsible {
    pub agency: String,
    pub name: String,
    /// dd/mm/yyyy, None while it has not reported.
    pub reported_on: Option<String>,
}

/// A milestone with its agencies.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MilestoneDetail {
    pub id: String,
    pub programme: String,
    /// The programme's name.
    pub programme_name: String,
    pub what: String,
    /// dd/mm/yyyy
    pub due: String,
    pub agencies: Vec<Responsible>,
}

/// One milestone and its agencies, if `user` follows it (None: no such milestone).
pub fn milestone(
    store: &Store,
    user: &accounts::User,
    id: &str,
) -> Result<Option<MilestoneDetail>, drafts::DraftError> {
    use rusqlite::OptionalExtension;
    if access::milestones(store, user)?.is_some_and(|f| !f.contains(id)) {
        let exists: bool = store.conn().query_row(
            "SELECT count(*) > 0 FROM milestones WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        if exists {
            access::read(
                store,
                user,
                None,
                &[],
                "mốc thời hạn",
                &format!("milestone:{id}"),
            )?;
        }
        return Ok(None);
    }
    let conn = store.conn();
    let Some((programme, programme_name, what, due)) = conn
        .query_row(
            "SELECT m.programme_id, coalesce(p.name, m.programme_id), m.what, strftime('%d/%m/%Y', m.due_date)
             FROM milestones m LEFT JOIN programmes p ON p.id = m.programme_id WHERE m.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.short_name, strftime('%d/%m/%Y', m.reported_on)
         FROM milestone_agencies m JOIN agencies a ON a.id = m.agency_id
         WHERE m.milestone_id = ?1 ORDER BY m.rowid",
    )?;
    let agencies = stmt
        .query_map([id], |r| {
            Ok(Responsible {
                agency: r.get(0)?,
                name: r.get(1)?,
                reported_on: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(MilestoneDetail {
        id: id.to_string(),
        programme,
        programme_name,
        what,
        due,
        agencies,
    }))
}

/// Imports programme data from an uploaded text, all or nothing, with its audit row.
/// The data every agency shares (agencies, people, programmes) is the service's
/// administrator's to change. The outer error is a refusal; the inner one the file's
/// problems.
pub fn import(
    store: &mut Store,
    user: &accounts::User,
    name: &str,
    text: &str,
    mode: crate::data::Mode,
) -> Result<Result<crate::data::ImportReport, crate::data::ImportError>, drafts::DraftError> {
    access::shared_data(store, user, "data:import")?;
    match crate::data::import_text(store, std::path::Path::new(name), text, mode) {
        Ok(report) => {
            audit::record(
                store.conn(),
                Some(user),
                "import",
                &format!("data:{name}"),
                audit::Outcome::Ok,
                &report.to_string().replace('\n', "; "),
            )?;
            Ok(Ok(report))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// Records that `agency` reported on `milestone` on `date` (drafters and clerks), with
/// its audit row; the reminders stop reaching it.
pub fn record_report(
    store: &Store,
    user: &accounts::User,
    milestone: &str,
    agency: &str,
    date: NaiveDate,
) -> Result<crate::remind::Reported, drafts::DraftError> {
    let target = format!("milestone:{milestone}");
    access::records_reports(store, user, milestone)?;
    let reported = crate::remind::report(store, milestone, agency, date)?;
    if reported == crate::remind::Reported::Recorded {
        audit::record(
            store.conn(),
            Some(user),
            "report",
            &target,
            audit::Outcome::Ok,
            &format!(
                "{} ngày {}",
                access::agency_name(store, agency),
                date.format("%d/%m/%Y")
            ),
        )?;
    }
    Ok(reported)
}

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

/// The programme data held, table by table (the first `limit` rows of each).
pub fn data_tables(
    store: &Store,
    user: &accounts::User,
    limit: u32,
) -> Result<Vec<DataTable>, drafts::DraftError> {
    access::linked(store, user, "data")?;
    Ok(tables(store, limit)?)
}

fn tables(store: &Store, limit: u32) -> rusqlite::Result<Vec<DataTable>> {
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
    let conn = store.conn();
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
