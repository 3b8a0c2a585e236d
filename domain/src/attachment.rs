//! Attachments: files on a ticket (traceroutes, light-level readings, packet captures, photos,
//! reports). What a file is is decided from its bytes, never from what the sender says; what it
//! is called is kept for display only.
//!
//! [`Intake`] sees an upload's bytes as they arrive: it counts them against the size limit, hashes
//! them (SHA-256, the content's address and strong `ETag`), keeps the first few KiB for the
//! magic-byte check and follows whether the whole content is text. [`Intake::finish`] then decides
//! the media type against the allowed list and the declared name and type.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::timeline::{text_enum, Visibility};
use crate::{CustomerNumber, DomainError, Reason, TicketRef};

text_enum!(
    /// The kinds of file a ticket takes, by media type.
    MediaType, "media_type", {
        Pdf => "application/pdf",
        Png => "image/png",
        Jpeg => "image/jpeg",
        Gif => "image/gif",
        Text => "text/plain",
        Csv => "text/csv",
        Json => "application/json",
        Pcap => "application/vnd.tcpdump.pcap",
        Pcapng => "application/x-pcapng",
        Zip => "application/zip",
    }
);

impl MediaType {
    /// The file-name extensions that declare this type.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaType::Pdf => &["pdf"],
            MediaType::Png => &["png"],
            MediaType::Jpeg => &["jpg", "jpeg"],
            MediaType::Gif => &["gif"],
            MediaType::Text => &["txt", "log", "text"],
            MediaType::Csv => &["csv"],
            MediaType::Json => &["json"],
            MediaType::Pcap => &["pcap", "cap"],
            MediaType::Pcapng => &["pcapng"],
            MediaType::Zip => &["zip"],
        }
    }

    /// Whether the content is text (told apart by what it is called, not by its bytes).
    fn is_text(self) -> bool {
        matches!(self, MediaType::Text | MediaType::Csv | MediaType::Json)
    }

    /// The type a file name's extension declares, if it names one of ours.
    pub fn of_name(name: &str) -> Option<MediaType> {
        let (_, ext) = name.rsplit_once('.')?;
        let ext = ext.to_ascii_lowercase();
        MediaType::ALL
            .iter()
            .copied()
            .find(|t| t.extensions().contains(&ext.as_str()))
    }

    /// The type a `Content-Type` declares, if it names one of ours (parameters ignored).
    pub fn of_declared(content_type: &str) -> Option<MediaType> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let alias = match essence.as_str() {
            "application/vnd.tcpdump.pcap" | "application/pcap" | "application/x-pcap" => {
                Some(MediaType::Pcap)
            }
            "application/pcapng" => Some(MediaType::Pcapng),
            "image/jpg" => Some(MediaType::Jpeg),
            "application/x-zip-compressed" => Some(MediaType::Zip),
            _ => None,
        };
        alias.or_else(|| {
            MediaType::ALL
                .iter()
                .copied()
                .find(|t| t.as_str() == essence)
        })
    }
}

/// The default `ATTACHMENT_ALLOWED_TYPES`: every type above.
pub fn default_allowed_types() -> Vec<MediaType> {
    MediaType::ALL.to_vec()
}

/// Parses `ATTACHMENT_ALLOWED_TYPES`: media types separated by commas.
pub fn parse_allowed_types(text: &str) -> Result<Vec<MediaType>, DomainError> {
    let mut types = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let t = MediaType::of_declared(item).ok_or_else(|| {
            DomainError::invalid(
                "ATTACHMENT_ALLOWED_TYPES",
                format!(
                    "unknown media type {item:?}; known: {}",
                    MediaType::ALL
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        if !types.contains(&t) {
            types.push(t);
        }
    }
    if types.is_empty() {
        return Err(DomainError::invalid(
            "ATTACHMENT_ALLOWED_TYPES",
            "names no media type",
        ));
    }
    Ok(types)
}

/// How much attachments may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// Largest file, in bytes (`ATTACHMENT_MAX_BYTES`).
    pub max_bytes: u64,
    /// Attachments a ticket holds at most, removed ones not counted.
    pub per_ticket: u32,
    /// Bytes a company's attachments hold at most, removed ones not counted.
    pub per_company_bytes: u64,
    pub allowed: Vec<MediaType>,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        Self {
            max_bytes: 25 * 1024 * 1024,
            per_ticket: 100,
            per_company_bytes: 10 * 1024 * 1024 * 1024,
            allowed: default_allowed_types(),
        }
    }
}

impl AttachmentLimits {
    /// Whether a file of `size` bytes fits: the ticket holds `on_ticket` attachments, the
    /// company's hold `company_bytes`.
    pub fn check_room(
        &self,
        on_ticket: u64,
        company_bytes: u64,
        size: u64,
    ) -> Result<(), DomainError> {
        if on_ticket >= u64::from(self.per_ticket) {
            return Err(DomainError::refused(
                Reason::AttachmentCountLimit {
                    limit: self.per_ticket,
                },
                format!(
                    "the ticket holds {on_ticket} attachments, the most it may; remove one first"
                ),
            ));
        }
        if company_bytes.saturating_add(size) > self.per_company_bytes {
            return Err(DomainError::refused(
                Reason::AttachmentStorageQuota {
                    limit_bytes: self.per_company_bytes,
                    used_bytes: company_bytes,
                },
                format!(
                    "the company's attachments hold {} of {}; this file ({}) does not fit",
                    human_size(company_bytes),
                    human_size(self.per_company_bytes),
                    human_size(size)
                ),
            ));
        }
        Ok(())
    }
}

/// Why an upload is not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Larger than the limit (413).
    TooLarge { limit: u64 },
    /// Empty content (422).
    Empty,
    /// Not an allowed type, or not what it says it is (415).
    UnsupportedType(String),
}

/// How many bytes the magic-byte check reads.
const HEAD_BYTES: usize = 8192;

/// Follows an upload's bytes as they arrive (see the module's text).
#[derive(Clone)]
pub struct Intake {
    limit: u64,
    size: u64,
    hash: Sha256,
    head: Vec<u8>,
    /// The content so far is UTF-8 without NUL or other binary control bytes.
    text: bool,
    /// The bytes of a UTF-8 sequence cut by a chunk boundary.
    carry: Vec<u8>,
}

/// What an accepted upload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub media_type: MediaType,
    pub size: u64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
}

impl Intake {
    pub fn new(limit: u64) -> Self {
        Self {
            limit,
            size: 0,
            hash: Sha256::new(),
            head: Vec::with_capacity(HEAD_BYTES),
            text: true,
            carry: Vec::new(),
        }
    }

    /// Takes the next chunk; refused as soon as the content passes the limit.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Refusal> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(Refusal::TooLarge { limit: self.limit });
        }
        self.hash.update(chunk);
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if self.text {
            self.follow_text(chunk);
        }
        Ok(())
    }

    fn follow_text(&mut self, chunk: &[u8]) {
        if chunk
            .iter()
            .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        {
            self.text = false;
            return;
        }
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(chunk);
        match std::str::from_utf8(&bytes) {
            Ok(_) => {}
            // A sequence cut at the chunk's end: wait for its rest.
            Err(e) if e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4 => {
                self.carry = bytes[e.valid_up_to()..].to_vec();
            }
            Err(_) => self.text = false,
        }
    }

    /// Decides what the content is. `name` and `declared` (the part's `Content-Type`) are what
    /// the sender says; they must not contradict the bytes.
    pub fn finish(
        self,
        name: &str,
        declared: Option<&str>,
        allowed: &[MediaType],
    ) -> Result<Received, Refusal> {
        if self.size == 0 {
            return Err(Refusal::Empty);
        }
        let by_name = MediaType::of_name(name);
        // `application/octet-stream` (what a browser sends when it does not know) declares nothing.
        let by_header = declared.and_then(MediaType::of_declared);
        let sniffed = sniff(&self.head);
        let media_type = match sniffed {
            Sniffed::Known(t) => t,
            Sniffed::Other(mime) => {
                return Err(Refusal::UnsupportedType(format!(
                    "the content is {mime}, which is not accepted"
                )))
            }
            Sniffed::Unknown if self.text && self.carry.is_empty() => {
                // Text: what it is called says which kind.
                match by_name.or(by_header) {
                    Some(t) if t.is_text() => t,
                    Some(t) => {
                        return Err(Refusal::UnsupportedType(format!(
                            "the content is text, not {} as declared",
                            t.as_str()
                        )))
                    }
                    None => MediaType::Text,
                }
            }
            Sniffed::Unknown => {
                return Err(Refusal::UnsupportedType(
                    "the content is of no accepted type".into(),
                ))
            }
        };
        for declared in [by_name, by_header].into_iter().flatten() {
            if declared != media_type && !(declared.is_text() && media_type.is_text()) {
                return Err(Refusal::UnsupportedType(format!(
                    "the content is {}, but it is declared as {}",
                    media_type.as_str(),
                    declared.as_str()
                )));
            }
        }
        if !allowed.contains(&media_type) {
            return Err(Refusal::UnsupportedType(format!(
                "{} is not accepted here",
                media_type.as_str()
            )));
        }
        Ok(Received {
            media_type,
            size: self.size,
            sha256: hex(&self.hash.finalize()),
        })
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

enum Sniffed {
    Known(MediaType),
    /// Recognised as something we do not take (an executable, a document format…).
    Other(String),
    Unknown,
}

fn is_pcap(buf: &[u8]) -> bool {
    buf.len() >= 24
        && matches!(
            buf[..4],
            [0xa1, 0xb2, 0xc3, 0xd4]
                | [0xd4, 0xc3, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0x3c, 0x4d]
                | [0x4d, 0x3c, 0xb2, 0xa1]
        )
}

fn is_pcapng(buf: &[u8]) -> bool {
    // A Section Header Block, then its byte-order magic in either order.
    buf.len() >= 12
        && buf[..4] == [0x0a, 0x0d, 0x0d, 0x0a]
        && matches!(
            buf[8..12],
            [0x1a, 0x2b, 0x3c, 0x4d] | [0x4d, 0x3c, 0x2b, 0x1a]
        )
}

fn sniff(head: &[u8]) -> Sniffed {
    if is_pcap(head) {
        return Sniffed::Known(MediaType::Pcap);
    }
    if is_pcapng(head) {
        return Sniffed::Known(MediaType::Pcapng);
    }
    match infer::get(head) {
        Some(kind) => match MediaType::of_declared(kind.mime_type()) {
            Some(t) if !t.is_text() => Sniffed::Known(t),
            _ => Sniffed::Other(kind.mime_type().to_owned()),
        },
        None => Sniffed::Unknown,
    }
}

/// A file name kept for display: its last path part, without control characters, at most
/// 255 characters (the extension kept); `attachment` when nothing is left.
pub fn display_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    if clean.is_empty() {
        return "attachment".into();
    }
    const MAX: usize = 255;
    if clean.chars().count() <= MAX {
        return clean.to_owned();
    }
    match clean.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 16 => {
            let keep = MAX - 1 - ext.chars().count();
            format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
        }
        _ => clean.chars().take(MAX).collect(),
    }
}

/// Who added an attachment, in the standards' words (MEF: buyer / seller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The customer (the buyer).
    Customer,
    /// The provider's staff (the seller).
    Provider,
}

/// A file on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub ticket: TicketRef,
    pub customer_number: CustomerNumber,
    pub name: String,
    pub media_type: MediaType,
    pub size: u64,
    pub sha256: String,
    pub description: Option<String>,
    pub visibility: Visibility,
    /// Subject of whoever added it.
    pub author: String,
    pub source: Source,
    pub created_at: DateTime<Utc>,
    /// Set when it was removed; its content is gone, its record stays.
    pub removed_at: Option<DateTime<Utc>>,
}

impl Attachment {
    /// The key of its content in the object store: the content's own hash.
    pub fn content_key(&self) -> String {
        content_key(&self.sha256)
    }
}

/// The object-store key of content with this SHA-256.
pub fn content_key(sha256: &str) -> String {
    format!("sha256/{sha256}")
}

/// A size as people read it: `12.3 KiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(chunks: &[&[u8]], name: &str, declared: Option<&str>) -> Result<Received, Refusal> {
        let mut intake = Intake::new(1024 * 1024);
        for chunk in chunks {
            intake.feed(chunk)?;
        }
        intake.finish(name, declared, &default_allowed_types())
    }

    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";
    /// The start of an x86-64 ELF header, padded to a full 64-byte header.
    const ELF: &[u8; 64] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0\
        \0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

    #[test]
    fn the_bytes_decide_the_type_and_the_name_must_agree() {
        assert_eq!(
            take(&[PDF], "rfo.pdf", Some("application/pdf"))
                .unwrap()
                .media_type,
            MediaType::Pdf
        );
        // A browser that does not know sends octet-stream: that declares nothing.
        assert_eq!(
            take(&[PNG], "site.png", Some("application/octet-stream"))
                .unwrap()
                .media_type,
            MediaType::Png
        );
        // An executable is refused whatever it is called.
        assert!(matches!(
            take(&[ELF.as_slice()], "trace.pdf", Some("application/pdf")),
            Err(Refusal::UnsupportedType(m)) if m.contains("x-executable")
        ));
        // A real PNG named .pdf contradicts its name.
        assert!(matches!(
            take(&[PNG], "rfo.pdf", None),
            Err(Refusal::UnsupportedType(m)) if m.contains("declared as application/pdf")
        ));
        // Text declared as PDF is not a PDF.
        assert!(matches!(
            take(&[b"hello"], "x.pdf", None),
            Err(Refusal::UnsupportedType(_))
        ));
        // HTML is recognised and refused, though it is text.
        assert!(matches!(
            take(&[b"<!DOCTYPE html><html><script>x</script>"], "a.txt", None),
            Err(Refusal::UnsupportedType(_))
        ));
    }

    #[test]
    fn text_kinds_follow_the_name_and_binary_is_not_text() {
        let csv = take(&[b"a,b\n1,2\n"], "levels.csv", Some("text/csv")).unwrap();
        assert_eq!(csv.media_type, MediaType::Csv);
        let json = take(&[b"{\"rx_dbm\": -7.2}"], "optics.json", None).unwrap();
        assert_eq!(json.media_type, MediaType::Json);
        let plain = take(&[b"traceroute to 192.0.2.1\n 1  10.0.0.1"], "trace", None).unwrap();
        assert_eq!(plain.media_type, MediaType::Text);
        // UTF-8 cut across chunks is still text: "é" split in two.
        let cut = take(&[b"caf\xc3", b"\xa9 ok"], "note.txt", None).unwrap();
        assert_eq!(cut.media_type, MediaType::Text);
        // Unknown binary is refused.
        assert!(matches!(
            take(&[b"\x00\x01\x02\x03binary"], "blob.txt", None),
            Err(Refusal::UnsupportedType(_))
        ));
        assert!(matches!(
            take(&[b"abc\xff\xfe"], "bad.txt", None),
            Err(Refusal::UnsupportedType(_))
        ));
        // A text file that ends inside a UTF-8 sequence is not text.
        assert!(take(&[b"abc\xc3"], "cut.txt", None).is_err());
        assert_eq!(take(&[], "empty.txt", None), Err(Refusal::Empty));
    }

    #[test]
    fn packet_captures_are_known_by_their_magic() {
        let mut pcap = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        pcap.resize(24, 0);
        assert_eq!(
            take(&[&pcap], "trace.pcap", None).unwrap().media_type,
            MediaType::Pcap
        );
        let mut pcapng = vec![0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a];
        pcapng.resize(28, 0);
        assert_eq!(
            take(&[&pcapng], "trace.pcapng", Some("application/octet-stream"))
                .unwrap()
                .media_type,
            MediaType::Pcapng
        );
    }

    #[test]
    fn the_limit_is_enforced_on_the_stream_and_the_hash_is_of_the_whole() {
        let mut intake = Intake::new(10);
        intake.feed(b"12345").unwrap();
        intake.feed(b"67890").unwrap();
        assert_eq!(
            intake.clone().feed(b"x"),
            Err(Refusal::TooLarge { limit: 10 })
        );
        let got = intake.finish("n.txt", None, &[MediaType::Text]).unwrap();
        assert_eq!(got.size, 10);
        // sha256("1234567890")
        assert_eq!(
            got.sha256,
            "c775e7b757ede630cd0aa1113bd102661ab38829ca52a6422ab782862f268646"
        );
        // A type outside the allowed list is refused.
        let mut intake = Intake::new(100);
        intake.feed(PDF).unwrap();
        assert!(matches!(
            intake.finish("a.pdf", None, &[MediaType::Png]),
            Err(Refusal::UnsupportedType(m)) if m.contains("not accepted here")
        ));
    }

    #[test]
    fn names_are_for_display_only() {
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("C:\\Users\\bob\\trace.pcap"), "trace.pcap");
        assert_eq!(
            display_name("bad\u{0}\u{7}name\u{202e}fdp.exe"),
            "badnamefdp.exe"
        );
        assert_eq!(display_name("  .hidden "), "hidden");
        assert_eq!(display_name("/"), "attachment");
        let long = format!("{}.pcap", "x".repeat(400));
        let shown = display_name(&long);
        assert_eq!(shown.chars().count(), 255);
        assert!(shown.ends_with("x.pcap"));
    }

    #[test]
    fn room_is_counted_per_ticket_and_per_company_at_the_edges() {
        let limits = AttachmentLimits {
            per_ticket: 3,
            per_company_bytes: 1000,
            ..AttachmentLimits::default()
        };
        assert!(limits.check_room(2, 900, 100).is_ok());
        let full = limits.check_room(3, 0, 1).unwrap_err();
        assert_eq!(full.reason().unwrap().code(), "attachment_count_limit");
        let over = limits.check_room(0, 900, 101).unwrap_err();
        assert_eq!(over.reason().unwrap().code(), "attachment_storage_quota");
    }

    #[test]
    fn allowed_types_parse_and_sizes_read_well() {
        assert_eq!(
            parse_allowed_types("application/pdf, image/png,application/pdf").unwrap(),
            vec![MediaType::Pdf, MediaType::Png]
        );
        assert!(parse_allowed_types("application/x-msdownload").is_err());
        assert!(parse_allowed_types(" , ").is_err());
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(20 * 1024 * 1024), "20.0 MiB");
    }
}
