"""Weekly and monthly tracking reports (ISSUE 7 item 3, REQUIREMENTS §9, 000 D21).

weekly.py and monthly.py read the database in a fixed number of queries and return plain,
JSON-serialisable data (Decimals as strings, dates as ISO strings, codes rather than labels);
render.py turns that data into HTML in any language, xlsx.py into a workbook. The same data
feeds the stored report, its page, its e-mail and the API.
"""
