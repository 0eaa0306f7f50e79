"""Test files made on the spot (pypdf, Pillow, zipfile): no binary fixture is committed."""

from __future__ import annotations

import io
import zipfile

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

GPS_TAG = 0x8825


def pdf(text: str = "Cahier des charges des tablettes", pages: int = 1,
        javascript: str | None = None) -> bytes:
    """A PDF whose every page shows ``text`` (real text operators, extractable)."""
    writer = PdfWriter()
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })
    font_ref = writer._add_object(font)
    for number in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): font_ref})})
        line = text if pages == 1 else f"{text} page {number + 1}"
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 72 770 Td ({line}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if javascript:  # an action run when the document opens
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(javascript),
        }))
    writer.add_metadata({"/Title": TextStringObject("Test")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def many_pages_pdf(pages: int = 10_000, text: str = "Page") -> bytes:
    """A ``pages``-page PDF written directly (pypdf takes half a minute to write 10,000
    pages): each page its own content stream, all in one flat page tree."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for number in range(pages):
        content = f"BT /F1 12 Tf 72 770 Td ({text} {number + 1}) Tj ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
                       b" /Resources << /Font << /F1 3 0 R >> >> >>" % len(objects))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), pages)
    out, offsets, position = [b"%PDF-1.4\n"], [], 9
    for number, body in enumerate(objects, start=1):
        offsets.append(position)
        out.append(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        position += len(out[-1])
    xref = position
    out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.extend(b"%010d 00000 n \n" % offset for offset in offsets)
    out.append(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
               % (len(objects) + 1, xref))
    return b"".join(out)


def jpeg_with_gps(size=(64, 48), orientation: int | None = None) -> bytes:
    """A JPEG carrying EXIF with a GPS position (and an orientation when given)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[GPS_TAG] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(size=(32, 32), text_chunk: str | None = None) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    if text_chunk:
        info.add_text("Comment", text_chunk)
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 120, 200, 255)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def webp_with_exif() -> bytes:
    exif = Image.Exif()
    exif[GPS_TAG] = {1: "N", 2: (45.0, 1.0, 2.0)}
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, "WEBP", exif=exif.tobytes())
    return out.getvalue()


def _zip(members: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(text: str = "Rapport d'évaluation du projet") -> bytes:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    return _zip([("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", body)])


def xlsx(text: str = "Budget prévisionnel") -> bytes:
    strings = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<si><t>{text}</t></si></sst>"
    ).encode()
    return _zip([("[Content_Types].xml", CONTENT_TYPES), ("xl/workbook.xml", b"<workbook/>"),
                 ("xl/sharedStrings.xml", strings)])


def pptx(text: str = "Présentation au conseil") -> bytes:
    slide = ('<?xml version="1.0"?><p:sld xmlns:p="p" xmlns:a="a"><a:t>'
             f"{text}</a:t></p:sld>").encode()
    return _zip([("[Content_Types].xml", CONTENT_TYPES), ("ppt/presentation.xml", b"<p/>"),
                 ("ppt/slides/slide1.xml", slide)])


def odf(kind: str = "text", text: str = "Délibération du conseil municipal") -> bytes:
    media = f"application/vnd.oasis.opendocument.{kind}".encode()
    content = ('<?xml version="1.0"?><office:document-content xmlns:office="o" xmlns:text="t">'
               f"<office:body><text:p>{text}</text:p></office:body></office:document-content>")
    return _zip([("mimetype", media), ("content.xml", content.encode()),
                 ("META-INF/manifest.xml", b"<manifest/>")], stored_first=True)


def zip_bomb_docx(decompressed_mb: int = 200) -> bytes:
    """A DOCX whose document.xml inflates to ``decompressed_mb`` MB of XML (a few hundred kB
    compressed): empty runs, so that only the decompressed-XML cap can stop it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("word/document.xml", "w") as member:
            member.write(b'<?xml version="1.0"?><w:document xmlns:w="w"><w:body><w:p>')
            chunk = b"<w:r/>" * (1024 * 1024 // 6)
            for _ in range(decompressed_mb):
                member.write(chunk)
            member.write(b"</w:p></w:body></w:document>")
    return out.getvalue()


def renamed_executable() -> bytes:
    """The start of a Windows program (MZ header, PE signature), as if named ``rapport.pdf``."""
    header = bytearray(512)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = (0x80).to_bytes(4, "little")
    header[0x80:0x84] = b"PE\x00\x00"
    return bytes(header) + b"\x90" * 1024


def elf_executable() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def svg_with_script() -> bytes:
    return (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>')


def csv_text(encoding: str = "utf-8") -> bytes:
    return "école;élèves;tablettes\nGuéret;640;120\n".encode(encoding)
