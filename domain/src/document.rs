//! Reason For Outage (RFO) and Incident Report (IR) requests on a ticket (R-INC7):
//! `requested → in_preparation → delivered`, or `rejected` with a reason.

use chrono::{DateTime, Utc};

use crate::timeline::text_enum;
use crate::{CustomerNumber, DomainError, TicketRef};

text_enum!(
    /// Which document is requested.
    DocumentKind, "kind", { Rfo => "rfo", IncidentReport => "incident_report" }
);

text_enum!(
    /// Where a document request is in its lifecycle.
    DocumentStatus, "status", {
        Requested => "requested",
        InPreparation => "in_preparation",
        Delivered => "delivered",
        Rejected => "rejected",
    }
);

impl DocumentKind {
    /// How people call it.
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::Rfo => "Reason For Outage",
            DocumentKind::IncidentReport => "Incident Report",
        }
    }
}

impl DocumentStatus {
    pub fn is_active(self) -> bool {
        matches!(
            self,
            DocumentStatus::Requested | DocumentStatus::InPreparation
        )
    }
}

/// A request for an RFO or IR document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRequest {
    pub id: i64,
    pub ticket: TicketRef,
    pub customer_number: CustomerNumber,
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    pub note: Option<String>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub document_text: Option<String>,
    pub document_url: Option<String>,
    pub rejection_reason: Option<String>,
    pub version: i64,
    /// The ticket's attachment that is the document, when it was delivered as a file.
    pub document_attachment: Option<i64>,
}

impl DocumentRequest {
    fn ensure_active(&self, action: &str) -> Result<(), DomainError> {
        if self.status.is_active() {
            Ok(())
        } else {
            Err(DomainError::refused(
                crate::error::Reason::IllegalTransition,
                format!(
                    "the {} request is {} and cannot be {action}",
                    self.kind.title(),
                    self.status
                ),
            ))
        }
    }

    /// The desk starts preparing the document.
    pub fn start(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        if self.status != DocumentStatus::Requested {
            return Err(DomainError::refused(
                crate::error::Reason::IllegalTransition,
                format!(
                    "the {} request is {}, not requested",
                    self.kind.title(),
                    self.status
                ),
            ));
        }
        self.status = DocumentStatus::InPreparation;
        self.updated_at = now;
        Ok(())
    }

    /// Delivers the document text and, optionally, a link to an attachment.
    /// Delivers the document: its text (a summary when it is a file), and a link or an attachment
    /// of the ticket (checked by the caller to be a public one of this ticket).
    pub fn deliver(
        &mut self,
        text: &str,
        url: Option<&str>,
        attachment: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.ensure_active("delivered")?;
        let text = text.trim();
        if text.is_empty() {
            return Err(DomainError::invalid(
                "document_text",
                "the document text is required",
            ));
        }
        let url = url.map(str::trim).filter(|u| !u.is_empty());
        if let Some(url) = url {
            // The portal shows it as a link: `javascript:`, `data:` or `file:` must never be one.
            let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
            if !matches!(scheme.as_deref(), Some("http" | "https")) {
                return Err(DomainError::invalid(
                    "document_url",
                    "must be an http or https link",
                ));
            }
        }
        self.status = DocumentStatus::Delivered;
        self.document_text = Some(text.to_owned());
        self.document_url = url.map(str::to_owned);
        self.document_attachment = attachment;
        self.updated_at = now;
        Ok(())
    }

    /// Refuses the request with a reason.
    pub fn reject(&mut self, reason: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.ensure_active("rejected")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid("reason", "a reason is required"));
        }
        self.status = DocumentStatus::Rejected;
        self.rejection_reason = Some(reason.to_owned());
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn request(status: DocumentStatus) -> DocumentRequest {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        DocumentRequest {
            id: 1,
            ticket: TicketRef::from_number(7).unwrap(),
            customer_number: CustomerNumber::parse("OCN-1").unwrap(),
            kind: DocumentKind::Rfo,
            status,
            note: None,
            requested_by: "user:1".into(),
            requested_at: at,
            updated_at: at,
            document_text: None,
            document_url: None,
            rejection_reason: None,
            version: 1,
            document_attachment: None,
        }
    }

    #[test]
    fn lifecycle_table() {
        use DocumentStatus::*;
        let now = Utc::now();
        // (from, start ok, deliver ok, reject ok)
        let cases = [
            (Requested, true, true, true),
            (InPreparation, false, true, true),
            (Delivered, false, false, false),
            (Rejected, false, false, false),
        ];
        for (from, start, deliver, reject) in cases {
            assert_eq!(request(from).start(now).is_ok(), start, "start from {from}");
            assert_eq!(
                request(from).deliver("text", None, None, now).is_ok(),
                deliver,
                "deliver from {from}"
            );
            assert_eq!(
                request(from).reject("no", now).is_ok(),
                reject,
                "reject from {from}"
            );
        }
    }

    #[test]
    fn delivery_needs_text_and_rejection_a_reason() {
        let now = Utc::now();
        let mut r = request(DocumentStatus::Requested);
        assert!(r.deliver("  ", None, None, now).is_err());
        assert!(r.reject(" ", now).is_err());
        assert_eq!(r.status, DocumentStatus::Requested);
        r.deliver(
            "Root cause: fibre cut",
            Some("https://docs.example/rfo.pdf"),
            None,
            now,
        )
        .unwrap();
        assert_eq!(r.status, DocumentStatus::Delivered);
        let mut other = request(DocumentStatus::Requested);
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "ftp://x/y",
        ] {
            assert!(
                other.deliver("Root cause", Some(bad), None, now).is_err(),
                "{bad}"
            );
        }
        assert_eq!(other.status, DocumentStatus::Requested);
        other
            .deliver("Root cause", Some("HTTP://docs.example/rfo.pdf"), None, now)
            .unwrap();
        assert_eq!(
            r.document_url.as_deref(),
            Some("https://docs.example/rfo.pdf")
        );
    }
}
