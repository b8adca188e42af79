"""The resource facade: `client.contacts.list()`, `client.sales_invoices.release(key)`, ...

The classes live in `resources._sync` and `resources._async`, generated from the spec; a client
creates each resource on first use, so importing the package stays cheap.
"""
