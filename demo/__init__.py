"""The bundled demo: invoices of fictitious companies (``invoices.csv``, their PDFs in ``invoices/``),
a collection agency (``agency.toml``), and the generator of those PDFs (``make_invoices``)."""
