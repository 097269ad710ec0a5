"""Certificate PDFs: one per person per activity, and a yearly overview per person.

Drawn with ReportLab (the long-standing PDF library for Python: exact layout, embedded
fonts not needed for Latin-1 Dutch text, fast enough for a batch of 1,000). The QR code is
made by ``qrcode`` as a PNG and placed as an image, so the PDF holds the very picture a
phone scans (and a test can take it out and decode it). No database here: the operations
pass plain data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import qrcode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

LEARNING_FORMS = {"e-learning": "E-learning", "expertisegroep": "Digicoaching (expertisegroep)",
                  "klassikaal": "Klassikaal"}


@dataclass(frozen=True)
class CertificateData:
    name: str
    number: str | None
    registry: str
    activity: str
    accreditation_id: str
    organisation: str
    started: date
    completed: date
    minutes: int
    points: float
    learning_form: str
    code: str
    verify_url: str
    voided: bool = False


@dataclass(frozen=True)
class OverviewRow:
    registry: str
    activity: str
    accreditation_id: str
    completed: date
    minutes: int
    points: float
    code: str | None
    voided: bool


def _qr_png(url: str) -> bytes:
    image = qrcode.make(url, box_size=8, border=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _points(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _void_mark(pdf: canvas.Canvas) -> None:
    pdf.saveState()
    pdf.setFillColorRGB(0.75, 0.1, 0.1)
    pdf.setFont("Helvetica-Bold", 40)
    pdf.translate(A4[0] / 2, A4[1] / 2)
    pdf.rotate(30)
    pdf.drawCentredString(0, 0, "INGETROKKEN")
    pdf.restoreState()


def draw_certificate(pdf: canvas.Canvas, data: CertificateData) -> None:
    """One A4 page for one certificate on ``pdf`` (a batch draws many on one canvas each)."""
    width, height = A4
    pdf.setTitle(f"Certificaat {data.code}")
    pdf.setFont("Helvetica-Bold", 24)
    pdf.drawString(25 * mm, height - 35 * mm, "Certificaat")
    pdf.setFont("Helvetica", 12)
    pdf.drawString(25 * mm, height - 45 * mm, f"{data.organisation} verklaart dat")
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(25 * mm, height - 57 * mm, data.name)
    pdf.setFont("Helvetica", 12)
    lines = [
        ("Registratienummer", f"{data.number or 'niet opgegeven'} ({data.registry})"),
        ("Heeft gevolgd", data.activity),
        ("Accreditatienummer", f"{data.accreditation_id} ({data.registry})"),
        ("Leervorm", data.learning_form),
        ("Periode", f"{data.started:%d-%m-%Y} tot en met {data.completed:%d-%m-%Y}"),
        ("Afgerond op", f"{data.completed:%d-%m-%Y}"),
        ("Tijd", f"{data.minutes} minuten"),
        ("Punten", f"{_points(data.points)} ({data.registry})"),
        ("Aanbieder", data.organisation),
        ("Controlecode", data.code),
    ]
    y = height - 72 * mm
    for label, value in lines:
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(25 * mm, y, label)
        pdf.setFont("Helvetica", 11)
        pdf.drawString(70 * mm, y, value[:80])
        y -= 8 * mm
    pdf.drawImage(ImageReader(io.BytesIO(_qr_png(data.verify_url))), 25 * mm, 30 * mm, 40 * mm, 40 * mm)
    pdf.setFont("Helvetica", 9)
    pdf.drawString(70 * mm, 50 * mm, "Controleer dit certificaat:")
    pdf.drawString(70 * mm, 45 * mm, data.verify_url)
    if data.voided:
        _void_mark(pdf)
    pdf.showPage()


def certificate_pdf(data: CertificateData) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    draw_certificate(pdf, data)
    pdf.save()
    return buffer.getvalue()


def overview_pdf(name: str, organisation: str, year: int, numbers: dict[str, str], rows: list[OverviewRow]) -> bytes:
    """A person's year: every activity with its points per registry, and the totals."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    width, height = A4
    pdf.setTitle(f"Jaaroverzicht {year}")
    pdf.setFont("Helvetica-Bold", 20)
    pdf.drawString(20 * mm, height - 30 * mm, f"Jaaroverzicht accreditatiepunten {year}")
    pdf.setFont("Helvetica", 11)
    pdf.drawString(20 * mm, height - 40 * mm, f"{name} - {organisation}")
    y = height - 50 * mm
    for registry, number in sorted(numbers.items()):
        pdf.drawString(20 * mm, y, f"{registry}: registratienummer {number}")
        y -= 6 * mm
    y -= 4 * mm
    totals: dict[str, float] = {}
    for row in rows:
        if y < 30 * mm:
            pdf.showPage()
            y = height - 25 * mm
        pdf.setFont("Helvetica", 9)
        status = " (ingetrokken)" if row.voided else ""
        pdf.drawString(20 * mm, y, f"{row.completed:%d-%m-%Y}  {row.registry}  {row.activity[:55]}{status}")
        pdf.drawString(20 * mm, y - 4 * mm, f"    accreditatienummer {row.accreditation_id}, {row.minutes} minuten, "
                                           f"{_points(row.points)} punten, controlecode {row.code or '-'}")
        if not row.voided:
            totals[row.registry] = totals.get(row.registry, 0) + row.points
        y -= 11 * mm
    pdf.setFont("Helvetica-Bold", 11)
    for registry, total in sorted(totals.items()):
        pdf.drawString(20 * mm, y, f"Totaal {registry}: {_points(total)} punten")
        y -= 6 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
