"""Parts and accessories inventory (配件 / 精品库存): catalogue, stock, ledger,
reservations, backorders, transfers, stocktakes and alerts."""
