//! Payloads of the print queue's events: a job printed, or a printer failing (and where the
//! job went instead). Kitchen displays and managers show these.

use serde::{Deserialize, Serialize};

use crate::PrintJobId;
use crate::PrinterId;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrintJobPrinted {
    pub job_id: PrintJobId,
    pub printer_id: PrinterId,
    /// `ticket`, `receipt`, `report`, `test` or `drawer`.
    pub kind: String,
    pub reprint: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrintJobFailed {
    pub job_id: PrintJobId,
    pub printer_id: PrinterId,
    pub kind: String,
    /// What went wrong, for a person ("connection refused", "timed out", "paper out").
    pub error: String,
    /// The backup printer the job (and the printer's other waiting jobs) moved to, if any.
    pub rerouted_to: Option<PrinterId>,
}
