"""Demo data for `make run` (DESIGN §8): one user per role, customers, contracts, products and
orders in every state of the lifecycle, built through the real order services.

The orders app never imports fulfillment (DESIGN §1), so each demo order is taken here only up
to the general manager's final approval: that approval reserves stock and issues production
instructions, so it happens once the demo stock is in. `seed_stock` (fulfillment) receives the
stock and takes the rest of each path (`fulfillment_part`) through the fulfillment services.

Idempotent: everything is found again by a natural key (username, credit code, contract number,
product code, and for orders the marker "demo:<key>" in the remarks), so a second run creates
nothing. An order found half-way along its path (an earlier run was interrupted) is driven on
from where it stands; one a person has since moved elsewhere is left alone.
"""

import datetime
import os
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.roles import Role
from core.validators import credit_code_check_char

DEMO_PASSWORD = "demo1234"
ORDER_MARKER = "demo:"


# --- users --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    last_name: str
    first_name: str
    staff: bool = False


USERS = (
    DemoUser("rep", Role.SALES_REP, "张", "伟"),
    DemoUser("rep2", Role.SALES_REP, "李", "娜"),
    DemoUser("head", Role.SALES_HEAD, "王", "强"),
    DemoUser("finance", Role.FINANCE, "刘", "芳"),
    DemoUser("gm", Role.GM, "陈", "建国"),
    DemoUser("production", Role.PRODUCTION, "赵", "磊"),
    DemoUser("warehouse", Role.WAREHOUSE, "孙", "丽"),
    DemoUser("admin", Role.ADMIN, "系统", "管理员", staff=True),
)


USERNAMES = tuple(u.username for u in USERS)


# --- customers and contracts -----------------------------------------------------------------
def _credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


CUSTOMERS = (
    {
        "key": "hengli",
        "code": _credit_code("91330106MA27XK5Q1"),
        "name": "杭州恒力水务设备有限公司",
        "short_name": "恒力水务",
        "manager": "rep",
        "region": "华东",
        "province": "浙江省",
        "settlement_method": "prepayment",
        "credit_days": 0,
        "credit_limit": "800000.00",
        "credit_grade": "A",
        "customer_class": "水务工程",
        "is_key_customer": True,
        "bank": ("中国工商银行杭州西湖支行", "1202021209900012345"),
        "address": ("浙江省", "杭州市", "西湖区", "文三路478号华星时代广场A座12楼", "310012"),
        "contact": ("周建华", "采购经理", "13805712345", "zhoujh@hengli-water.example.cn"),
        "phone": "0571-88271234",
    },
    {
        "key": "suyuan",
        "code": _credit_code("91320500720384561"),
        "name": "江苏苏源化工股份有限公司",
        "short_name": "苏源化工",
        "manager": "rep",
        "region": "华东",
        "province": "江苏省",
        "settlement_method": "monthly",
        "credit_days": 30,
        "credit_limit": "1500000.00",
        "credit_grade": "A",
        "customer_class": "化工",
        "is_key_customer": True,
        "bank": ("中国建设银行苏州工业园区支行", "32201986436052501234"),
        "address": ("江苏省", "苏州市", "工业园区", "星湖街328号创意产业园7幢", "215123"),
        "contact": ("吴晓东", "设备部部长", "13962145678", "wuxd@suyuan-chem.example.cn"),
        "phone": "0512-62881234",
    },
    {
        "key": "yuehai",
        "code": _credit_code("91440300MA5F8KQ2X"),
        "name": "广东粤海供水工程有限公司",
        "short_name": "粤海供水",
        "manager": "rep2",
        "region": "华南",
        "province": "广东省",
        "settlement_method": "credit_term",
        "credit_days": 60,
        "credit_limit": "2000000.00",
        "credit_grade": "B",
        "customer_class": "水务工程",
        "is_key_customer": False,
        "bank": ("招商银行深圳分行营业部", "755912345610802"),
        "address": ("广东省", "深圳市", "南山区", "科技园南区高新南七道18号", "518057"),
        "contact": ("黄志强", "项目经理", "13902987654", "huangzq@yuehai-ws.example.cn"),
        "phone": "0755-26781234",
    },
    {
        "key": "chuanneng",
        "code": _credit_code("91510100709362185"),
        "name": "四川川能热电有限公司",
        "short_name": "川能热电",
        "manager": "rep2",
        "region": "西南",
        "province": "四川省",
        "settlement_method": "cod",
        "credit_days": 0,
        "credit_limit": "300000.00",
        "credit_grade": "C",
        "customer_class": "电力",
        "is_key_customer": False,
        "bank": ("中国农业银行成都高新支行", "22810101040012345"),
        "address": ("四川省", "成都市", "高新区", "天府大道中段1268号天府软件园E区", "610041"),
        "contact": ("杨明", "物资部主管", "13808012345", ""),
        "phone": "028-85321234",
    },
    {
        "key": "lubei",
        "code": _credit_code("91370500MA3C4PLN2"),
        "name": "山东鲁北石化机械有限公司",
        "short_name": "鲁北石化",
        "manager": "rep",
        "region": "华北",
        "province": "山东省",
        "settlement_method": "credit_term",
        "credit_days": 30,
        "credit_limit": "1000000.00",
        "credit_grade": "B",
        "customer_class": "石化",
        "is_key_customer": False,
        "bank": ("中国银行东营分行", "213406789012"),
        "address": ("山东省", "东营市", "东营区", "黄河路356号", "257000"),
        "contact": ("孙立新", "采购员", "13561234567", "sunlx@lubei-pm.example.cn"),
        "phone": "0546-8321234",
    },
    {
        "key": "haitong",
        "code": _credit_code("91330206MA2AH7JX5"),
        "name": "宁波海通进出口有限公司",
        "short_name": "海通进出口",
        "manager": "rep",
        "region": "华东",
        "province": "浙江省",
        "settlement_method": "prepayment",
        "credit_days": 0,
        "credit_limit": "0.00",
        "credit_grade": "B",
        "customer_class": "外贸代理",
        "is_key_customer": False,
        "trade_type": "export",
        "bank": ("宁波银行北仑支行", "51010122000123456"),
        "address": ("浙江省", "宁波市", "北仑区", "明州路518号港城大厦9楼", "315800"),
        "contact": ("Kevin 陈", "业务经理", "13705741234", "kevin@haitong-trade.example.cn"),
        "phone": "0574-86881234",
    },
)

CONTRACTS = (
    {
        "number": "XS-HT-2026-0018",
        "customer": "hengli",
        "title": "恒力水务二期泵站设备采购合同",
        "amount": "600000.00",
        "payment_terms": "合同签订后预付30%，发货前付清余款",
        "installation_service": True,
    },
    {
        "number": "XS-HT-2026-0023",
        "customer": "yuehai",
        "title": "粤海供水加压站阀门及电机年度框架合同",
        "amount": "1200000.00",
        "payment_terms": "货到验收合格后60天内付款，质保金5%",
        "installation_service": False,
    },
    {
        "number": "XS-HT-2026-0031",
        "customer": "suyuan",
        "title": "苏源化工循环水系统改造设备合同",
        "amount": "450000.00",
        "payment_terms": "月结30天",
        "installation_service": False,
    },
)

# --- products -----------------------------------------------------------------------------------
CATEGORIES = (("PUMP", "泵类"), ("VALVE", "阀门"), ("MOTOR", "电机"))

# code, name, spec, unit, category, list price (tax incl.), floor price, supply, cycle days
PRODUCTS = (
    ("BP-ISW50-160", "卧式管道离心泵", "ISW50-160 流量12.5m³/h 扬程32m 3kW", "台", "PUMP",
     "2380", "2100", "mts", 10),
    ("BP-IS80-65-160", "单级单吸清水离心泵", "IS80-65-160 流量50m³/h 扬程32m 7.5kW", "台",
     "PUMP", "3650", "3200", "mts", 10),
    ("BP-CDL4-10", "不锈钢立式多级离心泵", "CDL4-10 流量4m³/h 扬程65m 1.5kW", "台", "PUMP",
     "5200", "4600", "mts", 12),
    ("BP-ZW80-65-25", "自吸式无堵塞排污泵", "80ZW65-25 流量65m³/h 扬程25m 7.5kW", "台", "PUMP",
     "4800", "4300", "mto", 15),
    ("BP-DG85-67X8", "锅炉给水多级泵", "DG85-67×8 流量85m³/h 扬程536m 220kW", "台", "PUMP",
     "86000", "78000", "mto", 30),
    ("FM-Z41H-16C-100", "铸钢法兰闸阀", "Z41H-16C DN100 PN16 WCB", "个", "VALVE",
     "1850", "1600", "mts", 0),
    ("FM-D341X-16-200", "涡轮法兰蝶阀", "D341X-16 DN200 PN16 球墨铸铁", "个", "VALVE",
     "1260", "1080", "mts", 0),
    ("FM-J41W-25P-50", "不锈钢截止阀", "J41W-25P DN50 PN25 CF8", "个", "VALVE",
     "980", "860", "mts", 0),
    ("FM-Q941F-25-150", "电动球阀", "Q941F-25 DN150 PN25 AC380V", "台", "VALVE",
     "6800", "6100", "mto", 20),
    ("DJ-YE3-160M-4", "三相异步电动机", "YE3-160M-4 11kW 380V IP55 IE3", "台", "MOTOR",
     "5600", "5000", "mts", 0),
)  # fmt: skip


# --- orders -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One service call on a demo order: taken only while the order is in `source`."""

    name: str
    source: str
    actor: str  # username; "owner" is the order's owner
    comment: str = ""


def _steps():
    from orders.enums import OrderStatus as S

    return {
        "submit": Step("submit", S.DRAFT, "owner", "请审批"),
        "head_approves": Step("approve", S.SALES_REVIEW, "head", "价格与交期已确认"),
        "production_approves": Step(
            "approve", S.TECHNICAL_REVIEW, "production", "工艺可行，产能可排"
        ),
        "finance_approves": Step("approve", S.FINANCE_REVIEW, "finance", "信用额度内，同意"),
        "gm_approves": Step("approve", S.GM_REVIEW, "gm", "同意"),
        "finance_rejects": Step(
            "reject",
            S.FINANCE_REVIEW,
            "finance",
            "客户前期货款逾期未付，超出信用额度，请收回欠款后重新提交。",
        ),
        "owner_cancels": Step("cancel", S.SALES_REVIEW, "owner", "客户项目推迟，取消本次采购。"),
        "start_production": Step("start_production", S.APPROVED, "production", "已下达生产指令"),
        "finish_production": Step(
            "finish_production", S.IN_PRODUCTION, "production", "质检合格入库"
        ),
        "report_progress": Step(
            "report_progress", S.IN_PRODUCTION, "production", "阀体机加工完成，进入装配"
        ),
        "mark_ready": Step("mark_ready", S.APPROVED, "warehouse", "库存现货，已备货"),
        # A risk-shipment request (风险发货申请) left waiting for finance.
        "request_risk": Step(
            "request_risk",
            S.APPROVED,
            "owner",
            "二期泵站项目月底试运行，客户已付30%预付款，申请生产完成后先发货，余款到货后支付。",
        ),
        # The same, approved by finance and then the general manager, so the order may ship.
        "risk_approved": Step(
            "risk_approved",
            S.READY_TO_SHIP,
            "owner",
            "重点客户，历史回款良好；已付30%预付款，余款承诺到货后7日内付清。工期紧，申请先发货。",
        ),
        "ship_part": Step("ship_part", S.READY_TO_SHIP, "warehouse", "首批发货"),
        "ship_all": Step("ship", S.READY_TO_SHIP, "warehouse", "整单发货"),
        "ship_rest": Step("ship", S.PARTIALLY_SHIPPED, "warehouse", "余量发货"),
        "confirm_delivery": Step("confirm_delivery", S.SHIPPED, "warehouse", "客户已签收回单"),
        "settle": Step("settle", S.DELIVERED, "finance", "货款已结清"),
    }


APPROVED_PATH = ("submit", "head_approves", "finance_approves", "gm_approves")
# The final approval reserves stock and issues production instructions (fulfillment): seed_demo
# stops before it, seed_stock takes it and everything after it.
HANDOVER_STEP = "gm_approves"


def orders_part(path: tuple[str, ...]) -> tuple[str, ...]:
    """The steps seed_demo takes: everything before the final approval."""
    return path[: path.index(HANDOVER_STEP)] if HANDOVER_STEP in path else path


def fulfillment_part(path: tuple[str, ...]) -> tuple[str, ...]:
    """The steps seed_stock takes: the final approval and everything after it."""
    return path[path.index(HANDOVER_STEP) :] if HANDOVER_STEP in path else ()


@dataclass(frozen=True)
class DemoOrder:
    key: str
    customer: str
    lines: tuple[tuple[str, str], ...]  # (product code, quantity); list price applies
    days_ago: int
    path: tuple[str, ...] = ()
    contract: str | None = None
    extra: dict = field(default_factory=dict)


ORDERS = (
    DemoOrder("draft", "hengli", (("BP-ISW50-160", "4"), ("FM-Z41H-16C-100", "8")), 0),
    DemoOrder("sales-review", "suyuan", (("BP-CDL4-10", "6"), ("FM-J41W-25P-50", "20")), 1,
              ("submit",), contract="XS-HT-2026-0031"),
    DemoOrder("finance-review", "yuehai", (("FM-D341X-16-200", "30"), ("DJ-YE3-160M-4", "4")), 2,
              ("submit", "head_approves"), contract="XS-HT-2026-0023"),
    DemoOrder("technical-review", "lubei", (("BP-DG85-67X8", "1"),), 2,
              ("submit", "head_approves"),
              extra={"order_type": "non_regular", "priority": "high"}),
    DemoOrder("gm-review", "lubei", (("BP-DG85-67X8", "2"),), 3,
              ("submit", "head_approves", "production_approves", "finance_approves"),
              extra={"order_type": "non_regular", "priority": "high"}),
    DemoOrder("rejected", "chuanneng", (("BP-IS80-65-160", "5"), ("FM-Z41H-16C-100", "10")), 4,
              ("submit", "head_approves", "finance_rejects")),
    DemoOrder("cancelled", "haitong", (("BP-ISW50-160", "12"),), 5, ("submit", "owner_cancels"),
              extra={"order_type": "export", "delivery_method": "truckload"}),
    # The make-to-order electric ball valves need a production instruction: the order stays
    # approved, and its rep has asked to ship before the balance is paid (waiting for finance).
    DemoOrder("approved", "hengli", (("BP-IS80-65-160", "6"), ("FM-D341X-16-200", "12"),
                                     ("FM-Q941F-25-150", "2")), 6,
              (*APPROVED_PATH, "request_risk"), contract="XS-HT-2026-0018"),
    DemoOrder("in-production", "yuehai", (("FM-Q941F-25-150", "8"), ("FM-D341X-16-200", "16")),
              10, (*APPROVED_PATH, "start_production", "report_progress"),
              contract="XS-HT-2026-0023"),
    DemoOrder("ready-to-ship", "suyuan", (("BP-ZW80-65-25", "3"), ("BP-CDL4-10", "2")), 20,
              (*APPROVED_PATH, "start_production", "finish_production")),
    # Stock covers these: the approval itself makes them ready to ship (mark_ready is a no-op).
    DemoOrder("partially-shipped", "chuanneng", (("DJ-YE3-160M-4", "6"), ("BP-ISW50-160", "4")),
              12, (*APPROVED_PATH, "mark_ready", "ship_part")),
    DemoOrder("shipped", "lubei", (("FM-J41W-25P-50", "40"), ("FM-Z41H-16C-100", "6")), 15,
              (*APPROVED_PATH, "mark_ready", "ship_all"), extra={"delivery_method": "express"}),
    # A prepayment customer ships on an approved risk-shipment request.
    DemoOrder("delivered", "hengli", (("BP-CDL4-10", "4"), ("BP-ISW50-160", "6")), 25,
              (*APPROVED_PATH, "mark_ready", "risk_approved", "ship_all", "confirm_delivery"),
              contract="XS-HT-2026-0018"),
    DemoOrder("settled", "yuehai", (("BP-ZW80-65-25", "4"), ("DJ-YE3-160M-4", "2")), 40,
              (*APPROVED_PATH, "start_production", "finish_production", "ship_part",
               "ship_rest", "confirm_delivery", "settle")),
    DemoOrder("draft-rep2", "yuehai", (("FM-Q941F-25-150", "2"),), 0),
    DemoOrder("sales-review-urgent", "lubei", (("BP-IS80-65-160", "2"),), 0, ("submit",),
              extra={"order_type": "urgent", "priority": "urgent"}),
    # Ready to ship, but the shipping gate blocks it: prepayment not received, no request.
    DemoOrder("blocked", "haitong", (("FM-Z41H-16C-100", "20"), ("FM-J41W-25P-50", "30")), 8,
              APPROVED_PATH, extra={"order_type": "export", "delivery_method": "truckload"}),
)  # fmt: skip


def take_order_step(order, step: Step, users: dict):
    """Take `step` on `order` through the orders service of that transition. A review step whose
    automatic check fails is approved with a recorded override reason, as a real approver would."""
    from core.errors import ValidationFailed
    from orders import services

    actor = order.owner if step.actor == "owner" else users[step.actor]
    service = services.TRANSITION_SERVICES[step.name]
    if step.name != "approve":
        return service(order=order, actor=actor, comment=step.comment)
    try:
        return service(order=order, actor=actor, comment=step.comment)
    except ValidationFailed as exc:
        if "override_reason" not in exc.fields:
            raise
        return service(
            order=order,
            actor=actor,
            comment=step.comment,
            override_reason="客户已书面确认，同意例外处理",
        )


def demo_users() -> dict:
    """The demo users by username (created by seed_demo)."""
    found = {u.username: u for u in get_user_model().objects.filter(username__in=USERNAMES)}
    return found if len(found) == len(USERNAMES) else {}


class Command(BaseCommand):
    help = (
        "Load demo data: one user per role, customers, contracts, products and orders in every "
        "state. Safe to run again; refuses to run with production settings."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=f"Password for newly created demo users (default {DEMO_PASSWORD}).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Also set the password of demo users that already exist.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with production settings (never do this on a real system).",
        )

    def handle(self, *args, **options):
        module = getattr(settings, "SETTINGS_MODULE", None) or os.environ.get(
            "DJANGO_SETTINGS_MODULE", ""
        )
        if module.endswith(".production") and not options["force"]:
            raise CommandError(
                "seed_demo creates users with a known password; "
                "it does not run with production settings."
            )
        self.today = timezone.localdate()
        with transaction.atomic():
            users = self._users(options["password"], options["reset_passwords"])
            customers = self._customers(users)
            contracts = self._contracts(users, customers)
            products = self._products()
        created_orders = self._orders(users, customers, contracts, products)
        self._report(options["password"], created_orders)

    # --- master data ---------------------------------------------------------------------------
    def _users(self, password: str, reset: bool) -> dict:
        User = get_user_model()
        users = {}
        for spec in USERS:
            user, created = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": f"{spec.username}@demo.example.cn",
                    "is_staff": spec.staff,
                    "is_superuser": spec.staff,
                },
            )
            if created or reset:
                user.set_password(password)
                user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=spec.role))
            users[spec.username] = user
        return users

    def _customers(self, users: dict) -> dict:
        from contracts.models import Customer, CustomerAddress, CustomerContact

        customers = {}
        for data in CUSTOMERS:
            customer = Customer.objects.filter(credit_code=data["code"]).first()
            if customer is None:
                bank_name, bank_account = data["bank"]
                customer = Customer(
                    name=data["name"],
                    credit_code=data["code"],
                    short_name=data["short_name"],
                    invoice_title=data["name"],
                    tax_number=data["code"],
                    invoice_address_phone=f"{''.join(data['address'][:4])} {data['phone']}",
                    bank_name=bank_name,
                    bank_account=bank_account,
                    credit_limit=Decimal(data["credit_limit"]),
                    credit_grade=data["credit_grade"],
                    settlement_method=data["settlement_method"],
                    credit_days=data["credit_days"],
                    region=data["region"],
                    province=data["province"],
                    customer_class=data["customer_class"],
                    account_manager=users[data["manager"]],
                    trade_type=data.get("trade_type", "domestic"),
                    is_key_customer=data["is_key_customer"],
                )
                customer.full_clean()
                customer.save()
            if not customer.addresses.exists():
                province, city, district, detail, postcode = data["address"]
                contact_name, _title, mobile, _email = data["contact"]
                CustomerAddress.objects.create(
                    customer=customer,
                    label="总部仓库",
                    province=province,
                    city=city,
                    district=district,
                    detail=detail,
                    postcode=postcode,
                    consignee=contact_name,
                    phone=mobile,
                    is_default=True,
                )
            if not customer.contacts.exists():
                name, title, mobile, email = data["contact"]
                CustomerContact.objects.create(
                    customer=customer,
                    name=name,
                    title=title,
                    phone=mobile,
                    email=email,
                    is_primary=True,
                )
            customers[data["key"]] = customer
        return customers

    def _contracts(self, users: dict, customers: dict) -> dict:
        from contracts.models import Contract

        contracts = {}
        for data in CONTRACTS:
            customer = customers[data["customer"]]
            contract = Contract.objects.filter(number=data["number"]).first()
            if contract is None:
                signed = self.today - datetime.timedelta(days=60)
                contract = Contract(
                    number=data["number"],
                    customer=customer,
                    title=data["title"],
                    signed_date=signed,
                    start_date=signed,
                    end_date=signed + datetime.timedelta(days=365),
                    amount=Decimal(data["amount"]),
                    payment_terms=data["payment_terms"],
                    penalty_clause="逾期交货每日按未交货部分金额的0.05%支付违约金",
                    installation_service=data["installation_service"],
                    owner=customer.account_manager,
                )
                contract.full_clean()
                contract.save()
            contracts[data["number"]] = contract
        return contracts

    def _products(self) -> dict:
        from orders.models import Product, ProductCategory

        categories = {
            code: ProductCategory.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in CATEGORIES
        }
        products = {}
        for code, name, spec, unit, category, list_price, floor, supply, cycle in PRODUCTS:
            product = Product.objects.filter(code=code).first()
            if product is None:
                product = Product(
                    code=code,
                    name=name,
                    spec=spec,
                    unit=unit,
                    category=categories[category],
                    list_price=Decimal(list_price),
                    floor_price=Decimal(floor),
                    vat_rate=Decimal("0.13"),
                    supply_mode=supply,
                    production_cycle_days=cycle,
                    procurement_cycle_days=5 if supply == "mts" else 0,
                )
                product.full_clean()
                product.save()
            products[code] = product
        return products

    # --- orders, through the services ----------------------------------------------------------
    def _orders(self, users, customers, contracts, products) -> list:
        from orders.models import Order

        steps = _steps()
        created = []
        for demo in ORDERS:
            with transaction.atomic():
                order = Order.objects.filter(remarks=f"{ORDER_MARKER}{demo.key}").first()
                if order is None:
                    order = self._order_create(demo, users, customers, contracts, products)
                    created.append(demo.key)
                for step_key in orders_part(demo.path):
                    step = steps[step_key]
                    if order.status == step.source:
                        order = take_order_step(order, step, users)
        return created

    def _order_create(self, demo: DemoOrder, users, customers, contracts, products):
        from orders.services import order_create

        customer = customers[demo.customer]
        order_date = self.today - datetime.timedelta(days=demo.days_ago)
        return order_create(
            actor=customer.account_manager,
            customer=customer,
            contract=contracts[demo.contract] if demo.contract else None,
            ship_to=customer.addresses.first(),
            lines=[
                {"product": products[code], "quantity": Decimal(qty)} for code, qty in demo.lines
            ],
            order_date=order_date,
            required_date=order_date + datetime.timedelta(days=30),
            promised_date=order_date + datetime.timedelta(days=25),
            special_requirements="木箱包装，防潮防震；随货附合格证及说明书",
            remarks=f"{ORDER_MARKER}{demo.key}",
            **demo.extra,
        )

    # --- summary ----------------------------------------------------------------------------------
    def _report(self, password: str, created_orders: list) -> None:
        from contracts.models import Contract, Customer
        from orders.models import Order, Product

        User = get_user_model()
        demo_orders = Order.objects.filter(remarks__startswith=ORDER_MARKER)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(USERS)} users, {Customer.objects.count()} customers, "
                f"{Contract.objects.count()} contracts, {Product.objects.count()} products, "
                f"{demo_orders.count()} demo orders ({len(created_orders)} new)."
            )
        )
        self.stdout.write("")
        self.stdout.write(f"  {'username':<12}{'role':<14}{'password':<12}name")
        self.stdout.write(f"  {'-' * 11} {'-' * 13} {'-' * 11} {'-' * 6}")
        names = dict(
            User.objects.filter(username__in=[u.username for u in USERS]).values_list(
                "username", "last_name"
            )
        )
        for spec in USERS:
            full_name = f"{names.get(spec.username, '')}{spec.first_name}"
            self.stdout.write(f"  {spec.username:<12}{spec.role:<14}{password:<12}{full_name}")
        self.stdout.write("")
        self.stdout.write(
            "  Passwords are set when a demo user is first created; "
            "`manage.py seed_demo --reset-passwords` sets them again."
        )
