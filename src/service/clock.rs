//! The service's clock: one way to write "now" in the tables it keeps.

use crate::store::time::Stamp;

/// Now, in the stored shape (`YYYY-MM-DDTHH:MM:SS.mmmZ`, see [`Stamp`]): the service's
/// `created_at`/`updated_at`.
pub fn now_text() -> String {
    Stamp::now().to_string()
}
