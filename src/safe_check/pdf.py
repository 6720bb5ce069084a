"""Summary notes as an A4 PDF, fit to attach to a referral (fpdf2, imported only here)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from safe_check.summary import PRIORITY_TITLES, Notes

FONT_DIRS: Final = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/Library/Fonts")
# Core PDF fonts hold Latin-1 only; these stand in when no Unicode font is installed.
PLAIN: Final = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2014": "-",
        "\u2013": "-",
        "\u2026": "...",
    }
)


def render_pdf(n: Notes) -> bytes:
    """The PDF's bytes."""
    from fpdf import FPDF

    record_line = next((v for k, v in n.header if k == "Record"), "")

    class NotesPDF(FPDF):
        def footer(self) -> None:  # every page says whose notes these are
            self.set_y(-12)
            self.set_font(family, "", 8)
            self.cell(
                0,
                5,
                text(
                    f"safe-check record {record_line.split()[0]}  -  page {self.page_no()}/{{nb}}"
                ),
                align="C",
            )

    family = "Helvetica"
    pdf = NotesPDF(format="A4", unit="mm")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    family = _font(pdf)
    text = (
        (lambda s: s)
        if family == "DejaVu"
        else (lambda s: s.translate(PLAIN).encode("latin-1", "replace").decode("latin-1"))
    )
    pdf.set_title(text(n.title))
    pdf.set_creator("safe-check")
    pdf.add_page()

    def heading(words: str, size: int = 13) -> None:
        pdf.set_font(family, "B", size)
        pdf.multi_cell(0, 7, text(words), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1)

    def para(words: str, style: str = "", indent: float = 0) -> None:
        pdf.set_font(family, style, 10)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, 5, text(words), new_x="LMARGIN", new_y="NEXT", align="L")

    heading(n.title, 15)
    for key, value in n.header:
        para(f"{key}: {value}")
    pdf.ln(3)
    heading("Action points")
    for priority, items in n.actions.items():
        para(PRIORITY_TITLES[priority], "B")
        for item in items:
            para(f"- {item}", indent=4)
    if not n.actions:
        para("None raised by these answers.")
    for title, items, style in (
        ("Not done, and why", n.not_done, ""),
        ("In their own words", n.quotes, "I"),
    ):
        if items:
            pdf.ln(2)
            heading(title)
            for item in items:
                para(f"- {item}" if not style else item, style, indent=4)
    pdf.ln(2)
    heading("Answers")
    for block in n.blocks:
        if block.title:
            para(block.title, "B", indent=0 if block.level == 2 else 4)
        for line in block.lines:
            value = f"\u201c{line.value}\u201d" if line.quote else line.value
            para(f"{line.prompt} - {value}", indent=4 if block.level == 2 else 8)
    for title, items in (
        ("Amendments (added after finalising)", n.amendments),
        ("For partner agencies", n.statements),
    ):
        if items:
            pdf.ln(2)
            heading(title)
            for item in items:
                para(f"- {item}", indent=4)
    return bytes(pdf.output())


def _font(pdf: object) -> str:
    """DejaVu Sans when installed (every character shows), else the core Helvetica."""
    for folder in FONT_DIRS:
        regular = Path(folder) / "DejaVuSans.ttf"
        bold = Path(folder) / "DejaVuSans-Bold.ttf"
        italic = Path(folder) / "DejaVuSans-Oblique.ttf"
        if regular.exists() and bold.exists() and italic.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            pdf.add_font("DejaVu", "I", str(italic))
            return "DejaVu"
    return "Helvetica"
