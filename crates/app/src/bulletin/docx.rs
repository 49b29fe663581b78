//! A bulletin as a .docx file (WordprocessingML in a zip), the format staff send on: the title
//! centred and large, section headings bold, paragraphs indented two characters, in a Chinese
//! font, every figure as the text it reads.

use std::io::Write;

use zip::write::SimpleFileOptions;

use super::render::{BlockKind, Document};
use crate::AppError;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// Text as XML 1.0 takes it: markup escaped, the characters it cannot hold (controls, U+FFFE/F)
/// left out.
fn escape(text: &str) -> String {
    let allowed =
        |c: &char| !matches!(*c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    let text: String = text.chars().filter(allowed).collect();
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One paragraph of WordprocessingML.
fn paragraph(kind: BlockKind, text: &str) -> String {
    let (ppr, size, bold) = match kind {
        BlockKind::Title => (r#"<w:jc w:val="center"/><w:spacing w:after="240"/>"#, 36, true),
        BlockKind::Heading => (r#"<w:spacing w:before="240" w:after="120"/>"#, 30, true),
        BlockKind::Paragraph => (
            r#"<w:ind w:firstLineChars="200" w:firstLine="640"/><w:spacing w:line="360" w:lineRule="auto"/>"#,
            28,
            false,
        ),
    };
    let b = if bold { "<w:b/>" } else { "" };
    format!(
        r#"<w:p><w:pPr>{ppr}</w:pPr><w:r><w:rPr><w:rFonts w:ascii="SimSun" w:eastAsia="SimSun" w:hAnsi="SimSun"/>{b}<w:sz w:val="{size}"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        escape(text)
    )
}

pub(super) fn document(doc: &Document) -> Result<Vec<u8>, AppError> {
    let body: String = doc.blocks.iter().map(|b| paragraph(b.kind, &b.text())).collect();
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    );
    let x = |e: std::io::Error| AppError::Internal(e.to_string());
    let z = |e: zip::result::ZipError| AppError::Internal(e.to_string());
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in
        [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("word/document.xml", xml.as_str())]
    {
        out.start_file(name, options).map_err(z)?;
        out.write_all(content.as_bytes()).map_err(x)?;
    }
    Ok(out.finish().map_err(z)?.into_inner())
}
