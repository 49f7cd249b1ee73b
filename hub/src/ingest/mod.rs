//! Ingest without HTTP: a request's content type, headers and body become candidate
//! CloudEvents (structured, binary or batched mode), each candidate is validated against its
//! event contract, and the valid ones go to an [`EventSink`] that commits them durably.
//!
//! # The batch rule
//!
//! Events of one batch are judged one by one. **Every valid event of a batch is accepted and
//! committed, even when others in the same batch are rejected**; each rejected event is
//! reported with its index in the batch (and its `id`/`source` when it had them), a stable
//! code and every field at fault. A sender therefore re-sends only the rejected items. Nothing
//! is claimed as accepted unless the sink committed it: if the sink fails, the whole request
//! fails and no event of it is reported as accepted (re-sending is safe, because `source`+`id`
//! deduplicates).
//!
//! Request-level faults (wrong content type, malformed JSON, a batch that is not a JSON array,
//! an undecodable `ce-` header) refuse the whole request before any event is looked at.

mod binary;
mod request;
mod sink;
pub mod testing;
mod validate;

pub use request::{
    BATCHED_CONTENT_TYPE, Candidate, IngestError, Mode, STRUCTURED_CONTENT_TYPE, parse_request,
};
pub use sink::{BoxFuture, EventSink, Receipt, SinkError};
pub use validate::{
    ContractFault, FieldError, FieldFault, Rejection, ValidatedEvent, check_contract, validate,
};
