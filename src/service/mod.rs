//! What the service (`vanthu serve`) adds to the pipeline, as a library the HTTP layer
//! only calls. The modules below are declared lowest first and each uses only those
//! before it (checked by `src/layers.rs`): who an account is ([`identity`]), the
//! templates' declared fields ([`forms`]), the [`audit`] log, the policy of who may do
//! what ([`access`]), [`accounts`], then the drafts ([`compose`]: the free composer's
//! form and letter; [`drafts`]: the approval workflow; [`saved`], [`upload`],
//! [`docx_reader`], [`preview`]), and the issued documents ([`documents`], [`books`],
//! [`signatures`], [`issuing`]), with the [`dashboard`] and the [`programme`]'s pages
//! on top.

// Lowest first: each module uses only those declared before it (src/layers.rs).
// The clock of the tables the service keeps.
pub mod clock;
// Who an account is: login, role, scope, the signed-in user.
pub mod identity;
// The templates and the fields each declares (the composer's among them).
pub mod forms;
// Who did what: written with each change, read in words.
pub mod audit;
// Who may do what, and where: the policy.
pub mod access;
// Accounts: add, sign in, sessions, tokens, second factor, the admin's views.
pub mod accounts;
// Why a draft operation failed.
pub mod draft_error;
// The free composer: its form to a letter and back.
pub mod compose;
// Drafts and their approval workflow.
pub mod drafts;
// Templates drafters save.
pub mod saved;
// A Word draft read into the composer.
pub mod docx_reader;
// An uploaded letter file or Word draft as a draft.
pub mod upload;
// A draft's pages as images.
pub mod preview;
// Signature images and seals, uploaded.
pub mod images;
// Checking the signatures of an uploaded PDF; renewing the archive.
pub mod signatures;
// Issues waiting on a remote signer's confirmation.
pub mod issuing;
// Issued documents as an account may read them.
pub mod documents;
// The register's books, notes and paper copies, per account.
pub mod books;
// Incoming documents, per account.
pub mod incoming;
// Electronic copies (sao y) of incoming documents, made by a văn thư.
pub mod copies;
// The /metrics page.
pub mod metrics;
// What waits for the signed-in account.
pub mod dashboard;
// Milestones, reports, imports and the data tables.
pub mod programme;

pub use dashboard::{Dashboard, Deadline, ExpiringCertificate, FailingDelivery, dashboard};
pub use programme::{
    DataTable, MilestoneDetail, ProgrammeError, Responsible, data_tables, import, milestone,
    record_report,
};
