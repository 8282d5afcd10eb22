//! The survey: what pupils answer and how an answer sheet becomes a stored
//! questionnaire.

pub mod access_code;
pub mod instrument;
pub mod participation;
pub mod questionnaire;
pub mod respondent;
pub mod response_csv;
pub mod validity;
pub mod wording;
