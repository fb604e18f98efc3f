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

say "Done: explore with  FOURS_DB_URL=sqlite:///$DB_FILE .venv/bin/fours --help"
