#!/usr/bin/env bash
# The fours demo: a sample dealer group set up through the CLI on a fresh SQLite file.
# Run with `make demo`; afterwards explore it with  FOURS_DB_URL=sqlite:///fours-demo.db fours …
set -euo pipefail
DB_FILE="${FOURS_DEMO_DB:-fours-demo.db}"
rm -f "$DB_FILE" "$DB_FILE-wal" "$DB_FILE-shm"
export FOURS_DB_URL="sqlite:///$DB_FILE"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Schema"
fours db upgrade

say "Organisation: one group, two regions, two brands, three stores"
fours org init ACME "安驰汽车集团 Acme Auto Group" >/dev/null
fours org add-region EAST "华东区 East China" >/dev/null
fours org add-region SOUTH "华南区 South China" >/dev/null
fours org add-unit PREMIUM "豪华品牌事业部" >/dev/null
fours org add-brand AUDI "奥迪 Audi" --manufacturer "一汽-大众 FAW-Volkswagen" >/dev/null
fours org add-brand BYD "比亚迪 BYD" --manufacturer "比亚迪汽车 BYD Auto" >/dev/null
fours org add-store SH-AUDI-01 "上海浦东奥迪" --region EAST --brand AUDI --unit PREMIUM >/dev/null
fours org add-store HZ-BYD-01 "杭州西湖比亚迪" --region EAST --brand BYD >/dev/null
fours org add-store GZ-MIX-01 "广州天河汽车城" --region SOUTH --brand AUDI --brand BYD >/dev/null
for store in SH-AUDI-01 HZ-BYD-01 GZ-MIX-01; do
  fours --store "$store" org add-showroom MAIN "主展厅" >/dev/null
  fours --store "$store" org add-warehouse PARTS "配件库" >/dev/null
  fours --store "$store" org add-warehouse YARD "新车库" --kind vehicles >/dev/null
  fours --store "$store" org add-bin PARTS A-01 A-02 B-01 >/dev/null
done
fours org show
say "Stores"
fours org stores

say "Parts: a catalogue, stock received, a transfer between two stores and a reservation"
fours parts add 4H0-698-151 "前刹车片 Front brake pads" --class REPAIR --list-price 1299.00 \
  --cost-price 880.00 --supplier "一汽-大众配件" --fits AUDI/A6L --fits AUDI/Q5L >/dev/null
fours parts add OIL-5W30 "机油 5W-30 Engine oil 4L" --class MAINTENANCE --list-price 398.00 \
  --cost-price 240.00 >/dev/null
fours --store SH-AUDI-01 stock receive PARTS A-01 4H0-698-151:8 OIL-5W30:40 --ref PO-2026-001
fours --store SH-AUDI-01 stock safety PARTS 4H0-698-151 6 >/dev/null
transfer_id=$(fours --json --store SH-AUDI-01 stock transfer PARTS 4H0-698-151:3 \
  --to GZ-MIX-01 --eta-hours 20 --ref TR-001 | python -c 'import json, sys; print(json.load(sys.stdin)["id"])')
echo "transfer $transfer_id: 3 × 4H0-698-151 in transit SH-AUDI-01 → GZ-MIX-01"
fours --store GZ-MIX-01 stock alerts
fours --store GZ-MIX-01 stock receive-transfer "$transfer_id" A-02 >/dev/null
fours --store SH-AUDI-01 stock reserve PARTS 4H0-698-151:2 OIL-5W30:1 --for work_order --ref WO-0001
echo "A second work order asks for more than is left: refused, nothing reserved"
fours --store SH-AUDI-01 stock reserve PARTS 4H0-698-151:9 --ref WO-0002 || true
say "Where is 4H0-698-151 across the group"
fours stock available 4H0-698-151
fours --store SH-AUDI-01 stock alerts

say "Done: explore with  FOURS_DB_URL=sqlite:///$DB_FILE .venv/bin/fours --help"
