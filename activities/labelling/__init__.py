"""The good-practice label's pieces: verification codes (``codes``), the stamp on a PDF (``stamp``),
the label as an image (``images``), the green label and the charter attestation (``charter``)."""
