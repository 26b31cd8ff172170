//! Why a draft operation did not happen: one error for the drafting use cases (the
//! workflow, the composer, uploads, previews, saved templates), its messages for the
//! user; the HTTP layer maps each to a status and a field. Reading the register
//! (`documents::ReadError`), the books (`books::NoteError`), images
//! (`images::UploadError`) and the programme's data (`programme::ProgrammeError`) have
//! their own.

use super::access::Denial;
use super::forms::FieldError;
use crate::mail::MailError;
use crate::ocop::OcopError;
use crate::store::register::RegisterError;

/// The two steps that cannot be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Irreversible {
    /// Issuing takes a number from the register for good.
    Issue,
    /// Sending mails every recipient; a message cannot be called back.
    Send,
}

/// Why a workflow step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error(transparent)]
    Denied(#[from] Denial),
    #[error("không có mẫu văn bản \"{0}\"")]
    UnknownTemplate(String),
    #[error("biểu mẫu có {} lỗi", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("không có bản nháp số {0}")]
    NotFound(i64),
    #[error("bản nháp số {id} đang ở trạng thái \"{state}\"; chỉ {wanted} được")]
    WrongState {
        id: i64,
        state: &'static str,
        wanted: &'static str,
    },
    #[error("chỉ người soạn bản nháp được sửa nó")]
    NotAuthor,
    #[error("hãy ghi ý kiến khi trả lại bản nháp")]
    CommentRequired,
    #[error("đợt đánh giá không có sản phẩm nào được cấp này công nhận")]
    NothingCertified,
    #[error(transparent)]
    Compose(#[from] OcopError),
    #[error(transparent)]
    Register(#[from] RegisterError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("không xuất được văn bản: {0}")]
    Render(#[from] crate::render::RenderError),
    #[error("nhắc hạn số {0} đã được đưa vào duyệt hoặc đã ban hành")]
    AlreadyAdopted(i64),
    #[error(
        "nhắc hạn số {0} là thông báo hết hạn giấy chứng nhận; hãy dùng `vanthu remind draft {0}`"
    )]
    NotAMilestoneReminder(i64),
    #[error(transparent)]
    Remind(#[from] crate::remind::RemindError),
    #[error("mật khẩu không đúng; bản nháp chưa được duyệt ký số")]
    WrongPassword,
    #[error("{0}; bản nháp chưa được duyệt ký số")]
    SecondFactor(String),
    #[error(
        "văn bản của {0} phải được ký số trước khi ban hành và gửi: người ký hãy duyệt lại và nhập mật khẩu để ký số"
    )]
    SignatureRequired(String),
    #[error(
        "chỉ văn bản tự soạn mới lưu làm mẫu được; với bản nháp từ mẫu OCOP, hãy bấm \"Sửa nội dung tự do\" trước"
    )]
    NotComposed,
    #[error(
        "quyết định công nhận giữ nội dung theo kết quả chấm điểm (giấy chứng nhận được ghi theo đúng danh sách đó khi ban hành); hãy sửa dữ liệu đánh giá rồi soạn lại"
    )]
    KeepsTemplate,
    #[error("không có mẫu đã lưu số {0}")]
    NoSavedTemplate(i64),
    #[error("{}", match .0 {
        Irreversible::Issue => "chưa ban hành: hãy đánh dấu ô xác nhận (ban hành lấy số trong sổ và không sửa được nữa), rồi bấm lại",
        Irreversible::Send => "chưa gửi: hãy đánh dấu ô xác nhận (thư đi đến mọi nơi nhận, không thu hồi được), rồi bấm lại",
    })]
    NotConfirmed(Irreversible),
    #[error(
        "không ban hành: {} từ khi lãnh đạo duyệt ({}); bản nháp đã được trả lại người ký để duyệt lại, chưa lấy số",
        if .changes.is_empty() { "bản nháp được duyệt trước khi vanthu giữ nội dung đã duyệt".to_string() } else { "dữ liệu đã thay đổi".to_string() },
        .changes.join("; ")
    )]
    ChangedSinceApproval { id: i64, changes: Vec<String> },
    #[error(
        "nội dung bản nháp số {0} đã thay đổi từ lúc bạn mở trang (dữ liệu vừa được cập nhật); hãy xem lại các trang rồi duyệt"
    )]
    SeenChanged(i64),
    #[error(
        "đồng ý ký số của bản nháp số {0} không còn hiệu lực (được cho trước khi tài khoản gắn với người ký, hoặc không phải của người ký); người ký hãy duyệt lại"
    )]
    ConsentNotValid(i64),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
