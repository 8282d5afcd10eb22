//! Storage of the survey: instruments, pupils' access codes, drafts of
//! unfinished questionnaires and finished responses.

pub mod access_codes;
pub mod drafts;
pub mod instruments;
pub mod responses;
