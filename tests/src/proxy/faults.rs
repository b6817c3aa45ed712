//! The error answers the proxy gives in place of (or instead of relaying) the service's reply,
//! each in the shape the service really uses, so the SDK classifies it as it would from AWS.

use super::http::Protocol;

/// What goes wrong with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// The service's throttling error: EC2 `RequestLimitExceeded` (503), query `Throttling` (400),
    /// JSON `ThrottlingException` (400), S3 `SlowDown` (503).
    Throttle,
    /// HTTP 503 with the service's "unavailable" error code.
    Unavailable,
    /// The connection is closed without any answer.
    Drop,
    /// HTTP 409, "another operation on this object is in progress": S3 `OperationAborted` (what
    /// S3 answers a bucket write while another write to the same bucket is applied), and each
    /// other protocol's concurrent-modification error. Meant *before* (nothing was applied).
    Conflict,
}

/// Whether the fault happens before the request reaches the backend (the cloud never saw it) or
/// after (the cloud applied it and its reply is lost).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timing {
    Before,
    After,
}

/// Every (fault, timing) pair, for random mixes.
pub const ALL_FAULTS: [(Fault, Timing); 6] = [
    (Fault::Throttle, Timing::Before),
    (Fault::Throttle, Timing::After),
    (Fault::Unavailable, Timing::Before),
    (Fault::Unavailable, Timing::After),
    (Fault::Drop, Timing::Before),
    (Fault::Drop, Timing::After),
];

/// The faults AWS can really produce: every pair but a throttling error *after* the request was
/// applied. AWS throttles at the front door, before doing anything, and Plinth's create retry
/// policy (`resources::kit::retry`) relies on exactly that, so a throttle-after fault would test a
/// cloud that does not exist. (It stays available as a rule, to show that reliance: with it,
/// CreateVpc, CreateInternetGateway and AllocateAddress are retried into duplicates.)
pub const AWS_FAULTS: [(Fault, Timing); 5] = [
    (Fault::Throttle, Timing::Before),
    (Fault::Unavailable, Timing::Before),
    (Fault::Unavailable, Timing::After),
    (Fault::Drop, Timing::Before),
    (Fault::Drop, Timing::After),
];

/// The full HTTP response the proxy sends for `fault` (`None` for [`Fault::Drop`]).
pub fn error_response(fault: Fault, protocol: Protocol, request_id: &str) -> Option<Vec<u8>> {
    let (status, reason, content_type, extra, body) = match (fault, protocol) {
        (Fault::Drop, _) => return None,
        (Fault::Throttle, Protocol::Ec2Query) => (
            503,
            "Service Unavailable",
            "text/xml",
            "",
            ec2_error("RequestLimitExceeded", "Request limit exceeded.", request_id),
        ),
        (Fault::Unavailable, Protocol::Ec2Query) => (
            503,
            "Service Unavailable",
            "text/xml",
            "",
            ec2_error("Unavailable", "The server is overloaded and can't handle the request.", request_id),
        ),
        (Fault::Throttle, Protocol::Query) => {
            (400, "Bad Request", "text/xml", "", query_error("Sender", "Throttling", "Rate exceeded", request_id))
        }
        (Fault::Unavailable, Protocol::Query) => (
            503,
            "Service Unavailable",
            "text/xml",
            "",
            query_error("Receiver", "ServiceUnavailable", "Service is unavailable", request_id),
        ),
        (Fault::Throttle, Protocol::Json) => (
            400,
            "Bad Request",
            "application/x-amz-json-1.1",
            "x-amzn-ErrorType: ThrottlingException\r\n",
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string(),
        ),
        (Fault::Unavailable, Protocol::Json) => (
            503,
            "Service Unavailable",
            "application/x-amz-json-1.1",
            "x-amzn-ErrorType: ServiceUnavailableException\r\n",
            r#"{"__type":"ServiceUnavailableException","message":"Service is unavailable"}"#.to_string(),
        ),
        (Fault::Throttle, Protocol::RestXml) => (
            503,
            "Slow Down",
            "application/xml",
            "",
            s3_error("SlowDown", "Please reduce your request rate.", request_id),
        ),
        (Fault::Unavailable, Protocol::RestXml) => (
            503,
            "Service Unavailable",
            "application/xml",
            "",
            s3_error("ServiceUnavailable", "Service is unable to handle request.", request_id),
        ),
        (Fault::Conflict, Protocol::Ec2Query) => (
            409,
            "Conflict",
            "text/xml",
            "",
            ec2_error("IncorrectState", "Another operation is in progress on this resource.", request_id),
        ),
        (Fault::Conflict, Protocol::Query) => (
            409,
            "Conflict",
            "text/xml",
            "",
            query_error("Sender", "ConcurrentModification", "Another operation is in progress", request_id),
        ),
        (Fault::Conflict, Protocol::Json) => (
            409,
            "Conflict",
            "application/x-amz-json-1.1",
            "x-amzn-ErrorType: ConcurrentModificationException\r\n",
            r#"{"__type":"ConcurrentModificationException","message":"Another operation is in progress"}"#.to_string(),
        ),
        (Fault::Conflict, Protocol::RestXml) => (
            409,
            "Conflict",
            "application/xml",
            "",
            s3_error(
                "OperationAborted",
                "A conflicting conditional operation is currently in progress against this resource. Please try again.",
                request_id,
            ),
        ),
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         x-amzn-RequestId: {request_id}\r\nx-amz-request-id: {request_id}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body.as_bytes());
    Some(out)
}

fn ec2_error(code: &str, message: &str, request_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
         <Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
    )
}

fn query_error(kind: &str, code: &str, message: &str, request_id: &str) -> String {
    format!(
        "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>{request_id}</RequestId></ErrorResponse>"
    )
}

fn s3_error(code: &str, message: &str, request_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
         <RequestId>{request_id}</RequestId></Error>"
    )
}
