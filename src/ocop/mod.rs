//! The OCOP documents, composed from programme data and the template letters in
//! `templates/ocop/`. A template owns the wording; this module chooses the data
//! (who is late, which deadline) and fills the letter's ids and `[data]`.

mod certificates;
mod expiry;
pub mod reach;
pub mod rules;
pub mod tiers;

pub use certificates::*;
pub use expiry::*;

use std::path::Path;

use chrono::NaiveDate;
use serde_json::json;

use crate::letter::{self, LetterError};
use crate::model::{DocDate, Document};
use crate::store::{Store, agencies};

/// The templates a user composes from a form (`[form]` in each), by id.
pub const FORM_TEMPLATES: &[(&str, &str)] = &[
    ("reminder", REMINDER),
    ("plan", PLAN),
    ("decision", DECISION),
    ("transfer", TRANSFER),
    ("expiry-notice", EXPIRY_NOTICE),
    ("withdrawal", WITHDRAWAL),
];

/// The reminder dispatch template (công văn đôn đốc).
const REMINDER: &str = include_str!("../../templates/ocop/reminder.toml");

/// Why an OCOP document could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum OcopError {
    #[error("không có mốc thời hạn mã \"{0}\"")]
    UnknownMilestone(String),
    #[error("không có chương trình mã \"{0}\"")]
    UnknownProgramme(String),
    #[error("không có cơ quan mã \"{0}\"")]
    UnknownAgency(String),
    #[error("tất cả các đơn vị đã báo cáo mốc \"{0}\" trước ngày {1}: không cần đôn đốc")]
    NothingToRemind(String, String),
    #[error(
        "cơ quan \"{0}\" chưa có người ký trong cơ sở dữ liệu; thêm một mục [[people]] cho cơ quan này, hoặc chọn người ký (--signer khi dùng dòng lệnh)"
    )]
    NoSigner(String),
    #[error(
        "{0} ({1}) không công nhận sản phẩm OCOP vào ngày {2} theo phân cấp đang có hiệu lực: trước ngày 06/7/2025 theo Quyết định 148/QĐ-TTg (cấp huyện 3 sao, cấp tỉnh 4 sao), từ ngày 06/7/2025 theo Quyết định 1489/QĐ-TTg (cấp tỉnh 3 và 4 sao, không còn cấp huyện), hoặc theo phân cấp riêng của tỉnh ([[tiers]] trong dữ liệu); hãy chọn cơ quan có thẩm quyền"
    )]
    NoTier(String, String, String),
    #[error(
        "cơ quan \"{0}\" chưa có lời văn quyết định có hiệu lực ngày {1} (theo đề nghị của ai, ai thi hành); thêm vào dữ liệu của cơ quan một mục [[agencies.decision_wording]] với from, proposal và executors"
    )]
    NoWording(String, String),
    #[error("đợt đánh giá \"{0}\" chưa có kết quả chấm điểm nào")]
    EmptyRound(String),
    #[error("cơ quan \"{0}\" không có cấp trên để chuyển hồ sơ các sản phẩm vượt thẩm quyền")]
    NoNextLevel(String),
    #[error("không có giấy chứng nhận nào theo quyết định \"{0}\"")]
    NoCertificates(String),
    #[error(
        "{issuer} không thuộc {programme}: văn bản của chương trình do cơ quan chủ trì, các sở, phòng của cơ quan đó hoặc cấp trên ban hành; hãy chọn cơ quan ban hành khác"
    )]
    NotOfProgramme { issuer: String, programme: String },
    #[error(transparent)]
    Letter(#[from] LetterError),
    #[error("các giấy chứng nhận theo quyết định \"{0}\" không ghi cơ quan cấp; hãy chỉ --issuer")]
    UnknownCertifier(String),
    #[error(transparent)]
    Register(#[from] crate::store::register::RegisterError),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "điểm {score} của sản phẩm \"{product}\" trong cơ sở dữ liệu không hợp lệ (phải từ 0 đến 100); hãy nhập lại kết quả chấm điểm (vanthu import)"
    )]
    BadScore { product: String, score: i64 },
}

/// A composed document and the letter text it came from (kept by the register).
pub struct Composed {
    pub document: Document,
    pub letter: String,
    /// A file stem for drafts, e.g. `nhac-han-bg-2020-danh-gia-huyen-2020-10-23`.
    pub stem: String,
}

/// What a reminder needs: the milestone, the day it is written, and optionally who
/// writes and signs it (default: the programme's issuer and its first signer).
pub struct ReminderRequest<'a> {
    pub milestone: &'a str,
    pub date: NaiveDate,
    pub issuer: Option<&'a str>,
    pub signer: Option<&'a str>,
}

/// The agencies responsible for a milestone that have not reported by `date`
/// (reported later than `date`, or not at all), as (id, printed name).
pub fn pending_agencies(
    store: &Store,
    milestone: &str,
    date: NaiveDate,
) -> Result<Vec<(String, String)>, OcopError> {
    Ok(crate::store::milestones::not_reported(
        store.conn(),
        milestone,
        &date.to_string(),
        None,
    )?)
}

/// Composes the công văn đôn đốc for a milestone, addressed to exactly the agencies
/// that have not reported by the request's date.
pub fn reminder(store: &Store, req: &ReminderRequest) -> Result<Composed, OcopError> {
    let conn = store.conn();
    let (what, due, programme, year, programme_issuer) =
        crate::store::milestones::with_programme(conn, req.milestone)?
            .ok_or_else(|| OcopError::UnknownMilestone(req.milestone.to_string()))?;
    let pending = pending_agencies(store, req.milestone, req.date)?;
    if pending.is_empty() {
        return Err(OcopError::NothingToRemind(
            req.milestone.to_string(),
            DocDate::full(req.date).short_form(),
        ));
    }
    let issuer = req.issuer.unwrap_or(&programme_issuer);
    let issuer_short = short_name(store, issuer)?;
    if !reach::programme_agencies(store, &programme_issuer)?
        .iter()
        .any(|a| a == issuer)
    {
        return Err(OcopError::NotOfProgramme {
            issuer: issuer_short,
            programme,
        });
    }
    let data = json!({
        "milestone": {
            "id": req.milestone,
            "what": what,
            "due": due.to_string(),
            "due_short": DocDate::full(due).short_form(),
            "days_left": (due - req.date).num_days(),
        },
        "programme": {"name": programme, "year": year},
        "issuer_short": issuer_short,
        "late": req.date > due,
        "agencies": pending.iter().map(|(_, n)| n).collect::<Vec<_>>(),
    });
    compose(
        store,
        Template {
            source: REMINDER,
            name: "templates/ocop/reminder.toml",
        },
        Fill {
            issuer,
            signer: req.signer,
            date: req.date,
            // By id, so the printed name and the delivery resolve to the same agency.
            addressees: pending
                .into_iter()
                .map(|(id, _)| format!("@{id}"))
                .collect(),
            data,
            stem: format!("nhac-han-{}-{}", req.milestone, req.date),
        },
        |_| {},
    )
}

/// A template letter: its text and the path that names it in messages.
struct Template {
    source: &'static str,
    name: &'static str,
}

/// What a command fills into a template letter.
struct Fill<'a> {
    issuer: &'a str,
    signer: Option<&'a str>,
    date: NaiveDate,
    addressees: Vec<String>,
    data: serde_json::Value,
    stem: String,
}

fn short_name(store: &Store, agency: &str) -> Result<String, OcopError> {
    agencies::short_name(store.conn(), agency)?
        .ok_or_else(|| OcopError::UnknownAgency(agency.to_string()))
}

/// Fills a template letter (issuer and signer by id, a draft date of the month, the
/// addressees, `[data]`, "Lưu: VT, <unit>"), lets `edit` adjust it, and parses it.
fn compose(
    store: &Store,
    template: Template,
    fill: Fill,
    edit: impl FnOnce(&mut toml::Table),
) -> Result<Composed, OcopError> {
    let signer: String = match fill.signer {
        Some(s) => s.to_string(),
        None => agencies::head_of(store.conn(), fill.issuer)?
            .ok_or_else(|| OcopError::NoSigner(fill.issuer.to_string()))?,
    };
    let mut letter: toml::Table =
        toml::from_str(template.source).expect("templates are valid TOML");
    // The web form's declaration is not part of the letter.
    letter.remove("form");
    // The archive line names the drafting unit when the agency has one: "Lưu: VT, PTNT".
    let unit = crate::letter::Lookup::agency(store, fill.issuer).and_then(|a| a.unit);
    if let (Some(unit), Some(toml::Value::Array(recipients))) = (unit, letter.get_mut("recipients"))
    {
        for r in recipients.iter_mut() {
            if r.as_str() == Some("Lưu: VT") {
                *r = format!("Lưu: VT, {unit}").into();
            }
        }
    }
    letter.insert(
        "date".into(),
        format!("{}", fill.date.format("%Y-%m")).into(),
    );
    if !fill.addressees.is_empty() {
        letter.insert(
            "addressees".into(),
            fill.addressees
                .into_iter()
                .map(toml::Value::from)
                .collect::<Vec<_>>()
                .into(),
        );
    }
    let mut issuer_table = toml::Table::new();
    issuer_table.insert("id".into(), fill.issuer.into());
    letter.insert("issuer".into(), issuer_table.into());
    let mut signer_table = toml::Table::new();
    signer_table.insert("id".into(), signer.into());
    letter.insert("signer".into(), signer_table.into());
    letter.insert(
        "data".into(),
        toml::Value::try_from(fill.data).expect("template data has no nulls"),
    );
    edit(&mut letter);
    let text = toml::to_string(&letter).expect("a table serializes");
    let document = letter::parse_with(&text, Path::new(template.name), Some(store))?;
    Ok(Composed {
        document,
        letter: text,
        stem: fill.stem,
    })
}

/// The lines a People's Committee's decision needs: who decides, on whose proposal,
/// who executes it, and the legal bases in force on its date (all from data).
#[derive(Clone)]
struct Authority {
    authority: String,
    proposal: String,
    executors: String,
    grounds: Vec<String>,
}

impl Authority {
    fn of(
        store: &Store,
        issuer: &str,
        agency_name: &str,
        date: NaiveDate,
    ) -> Result<Authority, OcopError> {
        let agency_line = agency_name.lines().collect::<Vec<_>>().join(" ");
        let wording = rules::wording(store, issuer, date)?.ok_or_else(|| {
            OcopError::NoWording(issuer.to_string(), DocDate::full(date).short_form())
        })?;
        Ok(Authority {
            authority: format!("Chủ tịch {agency_line}").to_uppercase(),
            proposal: format!("Theo đề nghị của {}", wording.proposal),
            executors: wording.executors,
            grounds: rules::grounds(store, date)?,
        })
    }

    /// Sets `[decision] authority`, `proposal` and the grounds in force (before the
    /// template's own grounds, if it has any) of a template letter.
    fn apply(&self, letter: &mut toml::Table) {
        if let Some(toml::Value::Table(d)) = letter.get_mut("decision") {
            d.insert("authority".into(), self.authority.clone().into());
            d.insert("proposal".into(), self.proposal.clone().into());
            let own = match d.remove("grounds") {
                Some(toml::Value::Array(own)) => own,
                _ => vec![],
            };
            let grounds: Vec<toml::Value> = self
                .grounds
                .iter()
                .cloned()
                .map(toml::Value::from)
                .chain(own)
                .collect();
            d.insert("grounds".into(), grounds.into());
        }
    }
}

/// The yearly plan template.
const PLAN: &str = include_str!("../../templates/ocop/plan.toml");

/// Composes the Kế hoạch triển khai of a programme, issued by the programme's issuer.
pub fn plan(
    store: &Store,
    programme: &str,
    date: NaiveDate,
    signer: Option<&str>,
) -> Result<Composed, OcopError> {
    let (issuer, local_units) = crate::store::ocop::programme(store.conn(), programme)?
        .ok_or_else(|| OcopError::UnknownProgramme(programme.to_string()))?;
    let id = programme.to_string();
    compose(
        store,
        Template {
            source: PLAN,
            name: "templates/ocop/plan.toml",
        },
        Fill {
            issuer: &issuer,
            signer,
            date,
            addressees: vec![],
            data: json!({}),
            stem: format!("ke-hoach-{programme}"),
        },
        move |letter| {
            letter.insert("programme".into(), id.into());
            // The template's "UBND các xã, thị trấn" names the local units of the programme.
            if let Some(toml::Value::Array(r)) = letter.get_mut("recipients") {
                for line in r.iter_mut() {
                    if line.as_str() == Some("UBND các xã, thị trấn") {
                        *line = local_units.clone().into();
                    }
                }
            }
        },
    )
}

/// The certification decision template.
const DECISION: &str = include_str!("../../templates/ocop/decision.toml");
/// The transfer letter template.
const TRANSFER: &str = include_str!("../../templates/ocop/transfer.toml");

/// What a decision needs: the evaluation round, the certifying People's Committee,
/// the day, and optionally the signer.
pub struct DecisionRequest<'a> {
    pub round: &'a str,
    pub issuer: &'a str,
    pub date: NaiveDate,
    pub signer: Option<&'a str>,
}

/// An evaluated product of a round with its outcome at the certifying level.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evaluated {
    pub product_id: String,
    pub product: String,
    pub producer: String,
    pub address: String,
    pub group: String,
    pub score: u8,
    pub outcome: tiers::Outcome,
}

/// The decision (products this level certifies), the transfer letter (products above
/// its tier, to the next level), and every evaluated product with its outcome.
pub struct Decision {
    pub decision: Option<Composed>,
    pub transfer: Option<Composed>,
    pub evaluated: Vec<Evaluated>,
}

/// Composes the certification decision of a round and, when some products score above
/// the issuer's tier, the transfer letter to the next level.
pub fn decide(store: &Store, req: &DecisionRequest) -> Result<Decision, OcopError> {
    let conn = store.conn();
    let (level, name, parent) = agencies::agency(conn, req.issuer)?
        .map(|a| (a.level, a.name, a.parent_id))
        .ok_or_else(|| OcopError::UnknownAgency(req.issuer.to_string()))?;
    // The round's products belong to programmes this agency may decide for.
    for programme_issuer in reach::round_programme_issuers(store, req.round)? {
        if !reach::programme_agencies(store, &programme_issuer)?
            .iter()
            .any(|a| a == req.issuer)
        {
            return Err(OcopError::NotOfProgramme {
                issuer: short_name(store, req.issuer)?,
                programme: format!(
                    "chương trình OCOP của {}",
                    short_name(store, &programme_issuer)?
                ),
            });
        }
    }
    let province = tiers::province_of(store, req.issuer)?;
    let tier = tiers::tier(store, province.as_deref(), &level, req.date)?.ok_or_else(|| {
        let who = short_name(store, req.issuer).unwrap_or_else(|_| req.issuer.to_string());
        OcopError::NoTier(
            who,
            tiers::level_name(&level).to_string(),
            DocDate::full(req.date).short_form(),
        )
    })?;
    let evaluated: Vec<Evaluated> = crate::store::ocop::round_products(conn, req.round)?
        .into_iter()
        .map(|e| {
            // Scores are checked on import; one changed in the database since is said,
            // never trusted.
            let score = crate::data::Score::parse(e.score).map_err(|_| OcopError::BadScore {
                product: e.product.clone(),
                score: e.score,
            })?;
            Ok(Evaluated {
                product_id: e.product_id,
                product: e.product,
                producer: e.producer,
                address: e.address,
                group: e.group,
                score: score.points(),
                outcome: tier.outcome(score),
            })
        })
        .collect::<Result<_, OcopError>>()?;
    if evaluated.is_empty() {
        return Err(OcopError::EmptyRound(req.round.to_string()));
    }
    let year = crate::store::ocop::round_year(conn, req.round)?.unwrap_or_default();
    let round_label = format!("năm {year}");
    let rows = |pick: fn(tiers::Outcome) -> Option<u8>| -> Vec<serde_json::Value> {
        evaluated
            .iter()
            .filter_map(|e| pick(e.outcome).map(|stars| (e, stars)))
            .enumerate()
            .map(|(i, (e, stars))| {
                json!({"tt": i + 1, "name": e.product, "producer": e.producer, "address": e.address,
                       "group": e.group, "score": e.score, "stars": stars})
            })
            .collect()
    };
    let certified = rows(|o| match o {
        tiers::Outcome::Certify { stars } => Some(stars),
        _ => None,
    });
    let transferred = rows(|o| match o {
        tiers::Outcome::Transfer { stars } => Some(stars),
        _ => None,
    });
    let ocop_bases = rules::bases(store, &[rules::Topic::Ocop], req.date)?.join("; ");
    let parent_short = match &parent {
        Some(p) => Some(short_name(store, p)?),
        None => None,
    };
    let decision = if certified.is_empty() {
        None
    } else {
        let auth = Authority::of(store, req.issuer, &name, req.date)?;
        let mut counts = std::collections::BTreeMap::new();
        for c in &certified {
            *counts.entry(c["stars"].as_u64().unwrap_or(0)).or_insert(0) += 1;
        }
        let star_counts = counts
            .iter()
            .map(|(stars, n)| format!("{n:02} sản phẩm {stars} sao"))
            .collect::<Vec<_>>()
            .join(", ");
        let data = json!({
            "round": round_label, "products": certified, "count": format!("{:02}", certified.len()),
            "star_counts": star_counts, "executors": auth.executors,
        });
        let report_to = parent_short.clone();
        Some(compose(
            store,
            Template {
                source: DECISION,
                name: "templates/ocop/decision.toml",
            },
            Fill {
                issuer: req.issuer,
                signer: req.signer,
                date: req.date,
                addressees: vec![],
                data,
                stem: format!("quyet-dinh-{}", req.round),
            },
            |letter| {
                auth.apply(letter);
                if let (Some(parent), Some(toml::Value::Array(r))) =
                    (report_to, letter.get_mut("recipients"))
                {
                    r.insert(1, format!("{parent} (b/c)").into());
                }
            },
        )?)
    };
    let transfer = match (&parent, parent_short) {
        (Some(parent), Some(parent_short)) if !transferred.is_empty() => {
            let data = json!({
                "round": round_label, "products": transferred, "count": format!("{:02}", transferred.len()),
                "next_level_name": parent_short, "ocop_bases": ocop_bases,
            });
            Some(compose(
                store,
                Template {
                    source: TRANSFER,
                    name: "templates/ocop/transfer.toml",
                },
                Fill {
                    issuer: req.issuer,
                    signer: req.signer,
                    date: req.date,
                    addressees: vec![format!("@{parent}")],
                    data,
                    stem: format!("chuyen-ho-so-{}", req.round),
                },
                |_| {},
            )?)
        }
        _ if !transferred.is_empty() => return Err(OcopError::NoNextLevel(req.issuer.to_string())),
        _ => None,
    };
    Ok(Decision {
        decision,
        transfer,
        evaluated,
    })
}
