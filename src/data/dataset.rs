//! What a dataset file holds: its sections and the rows of each, as read from TOML or
//! JSON (every field checked by the import, not here).

use serde::Deserialize;

use crate::letter::Lines;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// The folder image paths are relative to: the imported file's folder. `None` for
    /// an upload, which cannot name files on the server (images are uploaded apart).
    #[serde(skip)]
    pub base: Option<std::path::PathBuf>,
    #[serde(default)]
    pub agencies: Vec<AgencyRow>,
    #[serde(default)]
    pub people: Vec<PersonRow>,
    #[serde(default)]
    pub groups: Vec<GroupRow>,
    #[serde(default)]
    pub programmes: Vec<ProgrammeRow>,
    #[serde(default)]
    pub producers: Vec<ProducerRow>,
    #[serde(default)]
    pub products: Vec<ProductRow>,
    #[serde(default)]
    pub evaluations: Vec<EvaluationRow>,
    #[serde(default)]
    pub certificates: Vec<CertificateRow>,
    #[serde(default)]
    pub milestones: Vec<MilestoneRow>,
    #[serde(default)]
    pub tiers: Vec<TierRow>,
    #[serde(default)]
    pub reminder_policies: Vec<ReminderPolicyRow>,
    #[serde(default)]
    pub holidays: Vec<HolidayRow>,
}

/// When a milestone's reminders fire: for one milestone, one programme, or (neither)
/// the default. A row replaces the earlier one of the same scope.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderPolicyRow {
    pub programme: Option<String>,
    pub milestone: Option<String>,
    /// A certifying agency: the policy of its certificate expiry notices.
    pub agency: Option<String>,
    /// Days before the due date, e.g. [14, 3].
    #[serde(default)]
    pub before: Vec<u32>,
    #[serde(default = "yes")]
    pub on_due: bool,
    /// Every this many days while overdue.
    pub overdue_every: Option<u32>,
    /// Count working days (Monday–Friday, minus `holidays`).
    #[serde(default)]
    pub working_days: bool,
    /// "draft" (a signer approves), "issue" or "send".
    #[serde(default = "draft")]
    pub auto: String,
    /// The agency that writes the reminders (default: the programme's issuer).
    pub issuer: Option<String>,
    /// Certificates: notices this many months before they expire (default [6, 3]).
    #[serde(default = "six_three")]
    pub expiry_months: Vec<u32>,
    /// Certificates: a notice on the day they expire.
    #[serde(default = "yes")]
    pub on_expiry: bool,
}

fn six_three() -> Vec<u32> {
    vec![6, 3]
}

fn yes() -> bool {
    true
}

fn draft() -> String {
    "draft".into()
}

/// A public holiday (or the first and last day of a run of them, e.g. Tết).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayRow {
    pub date: String,
    /// The last day when the holiday lasts several days.
    pub until: Option<String>,
    pub name: String,
}

/// Which stars a level of People's Committee certifies in a province. Rows given for a
/// province replace, for that province, every row of the default policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRow {
    pub province: String,
    /// The first day the row applies (default: always).
    pub from: Option<String>,
    pub level: String,
    pub min_stars: i64,
    pub max_stars: i64,
}

/// How an agency's decisions name their proposer and executors from a given day
/// (`[[agencies.decision_wording]]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordingRow {
    pub from: String,
    /// Who proposes: the decision reads "Theo đề nghị của <proposal>".
    pub proposal: String,
    /// Who executes it (Điều 3).
    pub executors: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyRow {
    pub id: String,
    pub name: Lines,
    pub parent: Option<String>,
    pub level: String,
    pub place: String,
    pub abbreviation: String,
    pub short_name: String,
    #[serde(default)]
    pub units: Vec<String>,
    pub email: Option<String>,
    /// Where replies to the agency's e-mails go (optional; default: `email`).
    pub reply_to: Option<String>,
    /// The seal's image (PNG, transparent background, red), a path relative to the
    /// imported file, and its real diameter in millimetres; both or neither.
    pub seal_image: Option<String>,
    pub seal_diameter_mm: Option<f64>,
    /// The wording of its decisions by date (People's Committees that certify).
    #[serde(default)]
    pub decision_wording: Vec<WordingRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRow {
    pub id: String,
    pub agency: String,
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub authority: Vec<String>,
    pub email: Option<String>,
    /// Other agencies (ids) this person may sign for; a person signs for their own
    /// agency without it.
    #[serde(default)]
    pub signs_for: Vec<String>,
    /// The handwritten signature's image (PNG, transparent background, blue), a path
    /// relative to the imported file.
    pub signature_image: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetLine {
    pub label: String,
    pub amount: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeRow {
    pub id: String,
    pub year: i32,
    pub issuer: String,
    pub name: String,
    pub target_products: Option<i64>,
    /// Who leads the plan's work (default "Phòng Nông nghiệp và Phát triển nông thôn").
    pub lead_unit: Option<String>,
    /// Who funds it (default "Phòng Tài chính - Kế hoạch").
    pub finance_unit: Option<String>,
    /// The local People's Committees as the plan names them (default "UBND các xã, thị trấn").
    pub local_units: Option<String>,
    #[serde(default)]
    pub budget: Vec<BudgetLine>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub commune: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductRow {
    pub id: String,
    pub producer: String,
    pub name: String,
    #[serde(default)]
    pub group: String,
    pub programme: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRow {
    pub product: String,
    pub round: String,
    pub date: String,
    pub score: i64,
    pub council: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRow {
    pub product: String,
    pub decision: String,
    pub stars: i64,
    pub issued_on: String,
    pub expires_on: Option<String>,
    /// The People's Committee that certified the product (optional).
    pub issuer: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneRow {
    pub id: String,
    pub programme: String,
    pub what: String,
    pub due: String,
    pub agencies: Vec<String>,
}
