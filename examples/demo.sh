#!/usr/bin/env bash
# The fours demo: a sample dealer group set up through the CLI on a fresh SQLite file.
# Run with `make demo`; afterwards explore it with  FOURS_DB_URL=sqlite:///fours-demo.db fours …
set -euo pipefail
DB_FILE="${FOURS_DEMO_DB:-fours-demo.db}"
rm -f "$DB_FILE" "$DB_FILE-wal" "$DB_FILE-shm"
export FOURS_DB_URL="sqlite:///$DB_FILE"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# A command that must be refused: show its one-line error; stop the demo if it succeeds.
refused() {
  local out
  if out=$("$@" 2>&1); then
    echo "$out"; echo "demo: expected a refusal from: $*" >&2; exit 1
  fi
  printf '(refused) %s\n' "$out"
}

say "Schema"
fours db upgrade

say "Organisation: one group, two regions, two companies, two brands, three stores"
fours org init ACME "安驰汽车集团 Acme Auto Group" >/dev/null
fours org add-region EAST "华东区 East China" >/dev/null
fours org add-region SOUTH "华南区 South China" >/dev/null
fours org add-unit PREMIUM "豪华品牌事业部" >/dev/null
fours org add-company ACME-EAST "上海安驰汽车销售有限公司" --uscc 91310115MA1H7XXX08 >/dev/null
fours org add-company ACME-SOUTH "广州安驰汽车服务有限公司" --uscc 91440101MA59ABCD1D >/dev/null
fours org add-brand AUDI "奥迪 Audi" --manufacturer "一汽-大众 FAW-Volkswagen" >/dev/null
fours org add-brand BYD "比亚迪 BYD" --manufacturer "比亚迪汽车 BYD Auto" >/dev/null
fours org add-store SH-AUDI-01 "上海浦东奥迪" --region EAST --brand AUDI --unit PREMIUM \
  --company ACME-EAST >/dev/null
fours org add-store HZ-BYD-01 "杭州西湖比亚迪" --region EAST --brand BYD --company ACME-EAST >/dev/null
fours org add-store GZ-MIX-01 "广州天河汽车城" --region SOUTH --brand AUDI --brand BYD \
  --company ACME-SOUTH >/dev/null
for store in SH-AUDI-01 HZ-BYD-01 GZ-MIX-01; do
  fours --store "$store" org add-showroom MAIN "主展厅" >/dev/null
  fours --store "$store" org add-warehouse PARTS "配件库" >/dev/null
  fours --store "$store" org add-warehouse YARD "新车库" --kind vehicles >/dev/null
  fours --store "$store" org add-bin PARTS A-01 A-02 B-01 >/dev/null
done
fours org show
say "Stores and the companies they belong to"
fours org stores
fours org companies
say "Staff roster (员工): who may act in which role, where"
fours --store SH-AUDI-01 org add-staff zhang.wei "张伟" --role SALES >/dev/null
fours --store SH-AUDI-01 org add-staff li.na "李娜" --role SALES_MANAGER >/dev/null
fours --store SH-AUDI-01 org add-staff sun.li "孙丽" --role SHOWROOM_MANAGER >/dev/null
fours org add-staff wang.gm "王总" --role GM --group-wide >/dev/null
fours org staff

say "Prices: schemes for the demo brands (group, region and store scope; store-local windows)"
fours prices add msrp 459800 --brand AUDI --model A6L --id AUDI-A6L-MSRP --name "A6L 厂家指导价" >/dev/null
fours prices add msrp 489800 --brand AUDI --model A6L --trim 45TFSI --id AUDI-A6L45-MSRP >/dev/null
fours prices add internal_guide 418000 --brand AUDI --model A6L --trim 45TFSI --id A6L45-GUIDE >/dev/null
fours prices add floor 405000 --brand AUDI --model A6L --id A6L-FLOOR >/dev/null
fours prices add floor 410000 --scope region:EAST --brand AUDI --model A6L --trim 45TFSI --id A6L45-FLOOR-EAST >/dev/null
# The store's promotion runs from a month ago to two months ahead, whenever the demo runs.
read -r PROMO_FROM PROMO_UNTIL < <(python -c 'import datetime as d; t = d.date.today()
print(t - d.timedelta(days=30), t + d.timedelta(days=60))')
fours prices add promotion 428000 --scope store:SH-AUDI-01 --brand AUDI --model A6L --trim 45TFSI \
  --from "$PROMO_FROM" --until "$PROMO_UNTIL" --id SH-A6L45-PROMO --name "店内促销" >/dev/null
fours prices add msrp 209800 --brand BYD --model HAN --id BYD-HAN-MSRP >/dev/null
fours prices add floor 189000 --brand BYD --model HAN --id BYD-HAN-FLOOR >/dev/null
fours prices list
say "A tie is refused, both schemes named"
refused fours prices add floor 400000 --brand AUDI --model A6L --id A6L-FLOOR-2
say "Discount authority ladder"
fours prices authority set SALES --basis internal_guide --off 2000 >/dev/null
fours prices authority set SALES_MANAGER --basis floor >/dev/null
fours prices authority set GM --basis unlimited >/dev/null
fours prices authority set SHOWROOM_MANAGER --subject parts --basis list --share 0.90 >/dev/null
fours prices authority set SALES_MANAGER --subject parts --basis list --share 0.85 >/dev/null
fours prices authority set GM --subject parts --basis unlimited >/dev/null
fours prices authority list
say "Resolve and explain the prices of one car at the Shanghai store"
fours --store SH-AUDI-01 prices resolve AUDI/A6L/45TFSI/WHITE/BEIGE
fours --store SH-AUDI-01 prices explain AUDI/A6L/45TFSI/WHITE/BEIGE --kind floor
say "A quote below the salesperson's authority: refused until a sales manager approves"
fours parts add 4H0-061-160 "原厂脚垫 Floor mats" --class ACCESSORY --list-price 1280.00 \
  --cost-price 760.00 --fits AUDI/A6L >/dev/null
QUOTE_JSON=$(fours --json --store SH-AUDI-01 quotes new AUDI/A6L/45TFSI/WHITE/BEIGE \
  --customer "王先生" --author zhang.wei)
QUOTE=$(python -c 'import json, sys; print(json.load(sys.stdin)["id"])' <<<"$QUOTE_JSON")
# The customer's price is ¥413,000 for the car, whatever the list price is today (the
# promotion, or the MSRP after it): below what a salesperson may give (internal guide
# 418,000 − 2,000), above the floor (410,000) — a sales manager's call.
DISCOUNT=$(python -c 'import json, sys; print(json.load(sys.stdin)["deal_price"])' <<<"$QUOTE_JSON" \
  | python -c 'import sys; from decimal import Decimal; print(Decimal(sys.stdin.read()) - 413000)')
fours --store SH-AUDI-01 quotes add-line "$QUOTE" discount "店内让利" "$DISCOUNT" >/dev/null
fours --store SH-AUDI-01 quotes add-line "$QUOTE" accessory "原厂脚垫" --part 4H0-061-160 >/dev/null
fours --store SH-AUDI-01 quotes add-line "$QUOTE" service "贴膜施工" 3800 >/dev/null
fours --store SH-AUDI-01 quotes add-line "$QUOTE" fee "上牌代办费" 500 >/dev/null
fours --store SH-AUDI-01 quotes add-line "$QUOTE" trade_in "旧车置换 2019 A4L" 98000 >/dev/null
refused fours --store SH-AUDI-01 quotes accept "$QUOTE" --by zhang.wei
echo "The author cannot approve their own quote, nor claim a role they do not hold:"
refused fours --store SH-AUDI-01 quotes approve "$QUOTE" --by zhang.wei --reason "竞品报价"
refused fours --store SH-AUDI-01 quotes approve "$QUOTE" --by li.na --role GM --reason "竞品报价"
fours --store SH-AUDI-01 quotes approve "$QUOTE" --by li.na --reason "竞品报价" --hours 48
fours --store SH-AUDI-01 quotes accept "$QUOTE" --by zhang.wei | sed -n 1p
say "Later the floor goes up: the accepted quote stays frozen"
fours prices add floor 420000 --scope store:SH-AUDI-01 --brand AUDI --model A6L --trim 45TFSI --id SH-A6L45-FLOOR >/dev/null
fours --store SH-AUDI-01 quotes show "$QUOTE"
fours --store SH-AUDI-01 prices resolve AUDI/A6L/45TFSI/WHITE/BEIGE


say "Vehicles: cars arrive at the stores, a PDI, a transfer and a reservation"
fours --store SH-AUDI-01 vehicles add LFV3A24G6P3000101 --brand AUDI --model A6L --trim 45TFSI \
  --colour BLACK --interior BEIGE --year 2026 --engine-number DKW123456 --certificate WAC123456789 \
  --option PANORAMA --order-number FAW-PO-0001 --invoice-price 398000.00 --by 王店长
fours --store SH-AUDI-01 vehicles add LFV3A24G8P3000102 --brand AUDI --model A6L --trim 45TFSI \
  --colour WHITE --year 2026 --by 王店长 >/dev/null
fours --store GZ-MIX-01 vehicles add LGXCE4CB8P0000201 --brand BYD --model HAN --colour RED \
  --year 2026 --by 李经理 >/dev/null
fours --store HZ-BYD-01 vehicles add LGXCE4CBXP0000202 --brand BYD --model HAN --colour RED \
  --year 2026 --state in_transit --eta 2026-12-01 --carrier 安吉物流 --by 张主管 >/dev/null
fours --store SH-AUDI-01 vehicles pdi LFV3A24G6P3000101 --inspector 赵技师 \
  --item brakes=ok --item paint=ok --item electrics=ok
fours --store SH-AUDI-01 vehicles pdi LFV3A24G8P3000102 --inspector 赵技师 \
  --item brakes=ok --item "paint=fail:scratch on the rear bumper"
fours --store SH-AUDI-01 vehicles repair LFV3A24G8P3000102 --reason "bumper repainted"
fours --store SH-AUDI-01 vehicles pdi LFV3A24G8P3000102 --inspector 赵技师 --item brakes=ok --item paint=ok
fours --store GZ-MIX-01 vehicles pdi LGXCE4CB8P0000201 --inspector 陈技师 --item brakes=ok
say "Transfer (调拨): SH-AUDI-01 sends an A6L to GZ-MIX-01, which confirms receipt"
fours --store SH-AUDI-01 vehicles transfer LFV3A24G8P3000102 --to GZ-MIX-01 --by 王店长
fours vehicles find --model A6L
fours --store GZ-MIX-01 vehicles receive LFV3A24G8P3000102 --by 李经理
say "Reservation (预留) for a customer, 48 hours"
fours --store SH-AUDI-01 vehicles reserve LFV3A24G6P3000101 --customer 客户-0001 --hours 48 --by 销售-小刘
echo "A second salesperson asks for the same car: refused, it is reserved"
refused fours --store SH-AUDI-01 vehicles reserve LFV3A24G6P3000101 --customer 客户-0002 --by 销售-小周
say "Group-wide car stock (集团车辆全局库存)"
fours vehicles find
fours vehicles find --model HAN --colour RED --free
fours vehicles find --free --max-days 30
fours vehicles history LFV3A24G8P3000102
fours vehicles pdi-report LFV3A24G8P3000102
say "Consignment (委托销售) to the group's other company; never to the holder's own"
echo "GZ-MIX-01 belongs to ACME-SOUTH itself: consigning there is refused"
refused fours --store GZ-MIX-01 vehicles consign LFV3A24G8P3000102 --to ACME-SOUTH
fours --store GZ-MIX-01 vehicles consign LFV3A24G8P3000102 --to ACME-EAST --by 李经理
say "Manufacturer rebates: Audi's Q3 policy (tiers, KPI gate, claw-backs + a pick-up bonus)"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fours rebates policy add "$HERE/rebates/audi-2026q3.toml"
say "Sales facts for Q3 (until the sales context feeds them)"
for i in 1 2 3 4 5 6; do
  fours --store SH-AUDI-01 rebates sale add "LFV2A24G0N300000$i" --brand AUDI --model A6L \
    --trim 45TFSI --picked-up-on "2026-07-0$i" --sold-on "2026-08-1$i" --delivered-on "2026-08-1$i" \
    --price 339000 --cost 316400 >/dev/null
done
for i in 1 2 3; do
  fours --store GZ-MIX-01 rebates sale add "LFV3A28K0N400000$i" --brand AUDI --model A4L \
    --sold-on "2026-09-0$i" --delivered-on "2026-09-0$i" --price 282500 --cost 265550 >/dev/null
done
fours --store GZ-MIX-01 rebates sale add LFV3A28K0N4000004 --brand AUDI --model A4L \
  --sold-on 2026-09-20 --delivered-on 2026-09-21 --price 282500 --out-of-territory >/dev/null
fours --store SH-AUDI-01 rebates kpi csi 92.5 --period 2026-Q3 >/dev/null
fours --store SH-AUDI-01 rebates kpi stock_depth 1.1 --period 2026-Q3 >/dev/null
fours --store GZ-MIX-01 rebates kpi csi 87 --period 2026-Q3 >/dev/null
fours --store GZ-MIX-01 rebates kpi stock_depth 0.9 --period 2026-Q3 >/dev/null
say "The quarter's rebate estimate (预估), per store and policy"
fours rebates estimate 2026-Q3
say "What if: how many more cars reach the next tier, and what that is worth"
fours --store SH-AUDI-01 rebates what-if AUDI-2026Q3-TARGET 2026-Q3
fours --store GZ-MIX-01 rebates what-if AUDI-2026Q3-TARGET 2026-Q3
say "Effective vehicle cost after rebates"
fours --store SH-AUDI-01 rebates cost LFV2A24G0N3000001
say "Reconciling the manufacturer's statement, car by car"
fours rebates reconcile 2026-Q3 "$HERE/rebates/statement-2026q3.csv"
say "Parts: a catalogue, stock received, a transfer between two stores and a reservation"
fours parts add 4H0-698-151 "前刹车片 Front brake pads" --class REPAIR --list-price 1299.00 \
  --cost-price 880.00 --supplier "一汽-大众配件" --fits AUDI/A6L --fits AUDI/Q5L >/dev/null
fours parts add OIL-5W30 "机油 5W-30 Engine oil 4L" --class MAINTENANCE --list-price 398.00 \
  --cost-price 240.00 >/dev/null
fours --store SH-AUDI-01 stock receive PARTS A-01 4H0-698-151:8 OIL-5W30:40 4H0-061-160:6 --ref PO-2026-001
fours --store SH-AUDI-01 stock safety PARTS 4H0-698-151 6 >/dev/null
transfer_id=$(fours --json --store SH-AUDI-01 stock transfer PARTS 4H0-698-151:3 \
  --to GZ-MIX-01 --eta-hours 20 --ref TR-001 | python -c 'import json, sys; print(json.load(sys.stdin)["id"])')
echo "transfer $transfer_id: 3 × 4H0-698-151 in transit SH-AUDI-01 → GZ-MIX-01"
fours --store GZ-MIX-01 stock alerts
fours --store GZ-MIX-01 stock receive-transfer "$transfer_id" A-02 >/dev/null
fours --store SH-AUDI-01 stock reserve PARTS 4H0-698-151:2 OIL-5W30:1 --for work_order --ref WO-0001
echo "A second work order asks for more than is left: refused, nothing reserved"
refused fours --store SH-AUDI-01 stock reserve PARTS 4H0-698-151:9 --ref WO-0002
echo "A third takes what is there and backorders the rest (BO); the next delivery serves it"
fours --store SH-AUDI-01 stock reserve PARTS 4H0-061-160:8 --ref WO-0003 --backorder --expires-in 48
fours --store SH-AUDI-01 stock backorders --open
fours --store SH-AUDI-01 stock receive PARTS B-01 4H0-061-160:4 --ref PO-2026-002
fours --store SH-AUDI-01 stock reservations --open
say "Lending (借出): parts out to the body shop, due back; then returned"
LOAN=$(fours --json --store SH-AUDI-01 stock lend PARTS A-01 OIL-5W30:2 --to "钣喷车间 body shop" \
  | python -c 'import json, sys; print(json.load(sys.stdin)["id"])')
fours --store SH-AUDI-01 stock loans
fours --store SH-AUDI-01 stock return "$LOAN"
say "Where is 4H0-698-151 across the group"
fours stock available 4H0-698-151
fours --store SH-AUDI-01 stock alerts
say "Parts counter sale: list price from the catalogue above, group policy, a special discount"
fours prices part-policy add ACCESSORY MEMBER_GOLD 0.95 >/dev/null
fours --json --store SH-AUDI-01 prices part 4H0-061-160 --customer MEMBER_GOLD
fours --store SH-AUDI-01 prices part 4H0-061-160 --price 1200 --by sun.li
refused fours --store SH-AUDI-01 prices part 4H0-061-160 --price 1050 --by sun.li
PART_OK=$(fours --json --store SH-AUDI-01 prices part-approve 4H0-061-160 \
  --price 1050 --by wang.gm --reason "车队客户" | python -c 'import json, sys; print(json.load(sys.stdin)["id"])')
fours --store SH-AUDI-01 prices part 4H0-061-160 --price 1050 --by sun.li --approval "$PART_OK"
echo "Every counter price below the policy price is on record:"
fours --store SH-AUDI-01 prices part-grants
echo "A part that is not in the catalogue: refused, naming the store's catalogue"
refused fours --store SH-AUDI-01 prices part 4H0-000-000

say "Manufacturer DMS feeds (厂家 DMS 对接): adapters and what they are bound to"
export FOURS_DMS_CONFIG="$HERE/data/dms.toml"   # brand → adapter, dealer code → store
DMS_OUT="$(mktemp -d)"
fours dms list
say "FAW-Audi's STAR dispatch notice (发车通知) brings six cars in transit to SH-AUDI-01"
fours dms import --brand AUDI --kind vehicle-inventory ${FOURS_STAR_DIR:+--strict} \
  --ack "$DMS_OUT/ack.xml" --rejects "$DMS_OUT/dispatch.rejects.xml" \
  --warnings "$DMS_OUT/dispatch.warnings.jsonl" "$HERE/data/faw-audi-dispatch.xml"
fours dms import --brand AUDI --kind vehicle-inventory --rejects "$DMS_OUT/dispatch.rejects.xml" \
  --warnings "$DMS_OUT/dispatch.warnings.jsonl" "$HERE/data/faw-audi-dispatch.xml"
fours --store SH-AUDI-01 vehicles find --state in_transit --state arrived
say "Our stock report back to the manufacturer (STAR ShowVehicleInventory)"
fours --store SH-AUDI-01 dms export --adapter star --kind vehicle-inventory -o "$DMS_OUT/stock.xml"
say "FAW's rebate statement (返利结算单, GBK CSV) reconciled car by car"
fours dms import --adapter csv --mapping cn-oem --kind rebate-statement --period 2026-Q3 \
  --rejects "$DMS_OUT/statement.rejects.csv" --warnings "$DMS_OUT/statement.warnings.jsonl" \
  "$HERE/data/faw-rebate-statement-2026q3-gbk.csv"
say "FAW-VW's parts price file (GBK CSV): two bad rows go to a reject file to fix and re-feed"
fours dms import --adapter csv --mapping cn-oem --kind part-prices \
  --rejects "$DMS_OUT/prices.rejects.csv" --warnings "$DMS_OUT/prices.warnings.jsonl" \
  "$HERE/data/faw-vw-parts-prices-gbk.csv"
cat "$DMS_OUT/prices.rejects.csv"
fours parts show 4H0-698-151
say "FAW-Audi's DMS view of SH-AUDI-01's parts stock (配件库存): kept, compared, posted as a stocktake"
fours dms import --adapter csv --kind parts-inventory --rejects "$DMS_OUT/stock.rejects.csv" \
  --warnings "$DMS_OUT/stock.warnings.jsonl" "$HERE/data/faw-audi-parts-stock.csv"
fours --store SH-AUDI-01 dms positions
fours --store SH-AUDI-01 dms adjust-stock --bin B-01 --ref "FAW DMS 2026-11-30"
fours --store SH-AUDI-01 dms positions --compare
fours dms history

say "Done: explore with  FOURS_DB_URL=sqlite:///$DB_FILE .venv/bin/fours --help"
