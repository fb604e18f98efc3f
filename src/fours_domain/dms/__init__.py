"""Manufacturer DMS feeds (厂家 DMS 对接): the port, neutral records, the import service.

A manufacturer's document (STAR XML, a CSV price file, a vendor's JSON…) is read
by an adapter into a stream of neutral records (:mod:`fours_domain.dms.records`)
or rejections; an applier per record kind writes them into the owning context
inside one unit of work. See docs/dms-adapters.md.
"""
