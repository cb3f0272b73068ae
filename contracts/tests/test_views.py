"""Customer and contract pages: who sees what, forms with the credit-code check, contacts and
addresses, the contract ledger, documents, and fixed query counts on the lists."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import (
    Contract,
    ContractAttachment,
    Customer,
    CustomerAddress,
    CustomerContact,
    SupplementaryAgreement,
)
from contracts.services import contract_attachment_add, supplementary_agreement_add
from orders.enums import OrderStatus
from orders.services import order_submit
from orders.tests.helpers import draft_order, force_status
from tests.factories import (
    ContractFactory,
    CustomerAddressFactory,
    CustomerContactFactory,
    CustomerFactory,
)

pytestmark = pytest.mark.django_db

VALID_CODE = "91350100M000100Y43"
WRONG_CHECK = "91350100M000100Y44"
SIGNED = datetime.date(2026, 3, 1)


def html_of(response) -> str:
    return response.content.decode()


def error_for(html: str, name: str) -> str:
    """The error text shown next to the input named `name` ("" when none)."""
    match = re.search(rf'data-testid="error-{re.escape(name)}">(.*?)</div></div>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def new_customer_data(**overrides) -> dict:
    """What the new-customer form posts: the customer, one contact, one address."""
    data = {
        "name": "福州示例机电有限公司",
        "short_name": "福州示例",
        "credit_code": VALID_CODE,
        "invoice_title": "福州示例机电有限公司",
        "tax_number": VALID_CODE,
        "settlement_method": "monthly",
        "credit_days": "30",
        "region": "华东",
        "province": "福建省",
        "trade_type": "domestic",
        "is_active": "on",
        **management("contacts", 1),
        "contacts-0-name": "陈采购",
        "contacts-0-title": "采购经理",
        "contacts-0-phone": "13900000001",
        "contacts-0-email": "chen@example.cn",
        "contacts-0-is_primary": "on",
        **management("addresses", 1),
        "addresses-0-label": "总仓",
        "addresses-0-province": "福建省",
        "addresses-0-city": "福州市",
        "addresses-0-district": "鼓楼区",
        "addresses-0-detail": "五四路100号",
        "addresses-0-postcode": "350001",
        "addresses-0-consignee": "林收货",
        "addresses-0-phone": "0591-88880000",
        "addresses-0-is_default": "on",
    }
    data.update(overrides)
    return data


def edit_data(customer, **overrides) -> dict:
    """The edit form as it comes pre-filled for `customer`, posted back unchanged."""
    data = {
        "name": customer.name,
        "short_name": customer.short_name,
        "credit_code": customer.credit_code,
        "settlement_method": customer.settlement_method,
        "credit_days": str(customer.credit_days),
        "credit_limit": str(customer.credit_limit),
        "credit_grade": customer.credit_grade,
        "region": customer.region,
        "province": customer.province,
        "trade_type": customer.trade_type,
        "is_active": "on" if customer.is_active else "",
    }
    contacts = list(customer.contacts.all())
    addresses = list(customer.addresses.all())
    data.update(management("contacts", len(contacts), len(contacts)))
    for i, c in enumerate(contacts):
        data.update(
            {
                f"contacts-{i}-id": str(c.pk),
                f"contacts-{i}-name": c.name,
                f"contacts-{i}-phone": c.phone,
                f"contacts-{i}-is_primary": "on" if c.is_primary else "",
            }
        )
    data.update(management("addresses", len(addresses), len(addresses)))
    for i, a in enumerate(addresses):
        data.update(
            {
                f"addresses-{i}-id": str(a.pk),
                f"addresses-{i}-province": a.province,
                f"addresses-{i}-city": a.city,
                f"addresses-{i}-district": a.district,
                f"addresses-{i}-detail": a.detail,
                f"addresses-{i}-postcode": a.postcode,
                f"addresses-{i}-consignee": a.consignee,
                f"addresses-{i}-is_default": "on" if a.is_default else "",
            }
        )
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/customers/",
        "/customers/new/",
        "/customers/{customer}/",
        "/customers/{customer}/edit/",
        "/contracts/",
        "/contracts/new/",
        "/contracts/{contract}/",
        "/contracts/{contract}/edit/",
        "/contracts/{contract}/attachments/{attachment}/",
    ],
)
def test_anonymous_is_sent_to_sign_in(client, rep, url):
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep))
    attachment = contract_attachment_add(
        contract=contract, actor=rep, kind="other", file=SimpleUploadedFile("a.txt", b"x")
    )
    path = url.format(customer=contract.customer_id, contract=contract.pk, attachment=attachment.pk)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# (role fixture, page, expected status) for a customer and contract of `rep`
MATRIX = [
    ("rep", "customer_list", 200),
    ("rep", "customer_detail", 200),
    ("rep", "customer_edit", 200),
    ("rep", "customer_create", 200),
    ("rep", "contract_detail", 200),
    ("rep", "contract_edit", 200),
    ("rep", "contract_create", 200),
    ("other_rep", "customer_detail", 404),
    ("other_rep", "customer_edit", 404),
    ("other_rep", "contract_detail", 404),
    ("other_rep", "contract_edit", 404),
    ("other_rep", "attachment", 404),
    ("other_rep", "customer_create", 200),
    ("sales_head", "customer_detail", 200),
    ("sales_head", "customer_edit", 200),
    ("sales_head", "customer_create", 200),
    ("sales_head", "contract_edit", 200),
    ("sales_head", "contract_create", 200),
    ("gm", "customer_edit", 200),
    ("gm", "contract_create", 403),
    ("finance", "customer_detail", 200),
    ("finance", "customer_edit", 200),
    ("finance", "customer_create", 403),
    ("finance", "contract_edit", 403),
    ("production", "customer_list", 200),
    ("production", "customer_detail", 200),
    ("production", "customer_edit", 403),
    ("production", "customer_create", 403),
    ("production", "contract_list", 200),
    ("production", "contract_detail", 200),
    ("production", "contract_edit", 403),
    ("production", "contract_create", 403),
    ("production", "attachment", 200),
    ("warehouse", "customer_detail", 200),
    ("warehouse", "customer_create", 403),
    ("admin_user", "customer_edit", 200),
    ("admin_user", "contract_create", 200),
]


@pytest.mark.parametrize(("role", "page", "status"), MATRIX)
def test_permission_matrix(client, request, rep, role, page, status):
    customer = CustomerFactory(account_manager=rep)
    contract = ContractFactory(customer=customer, owner=rep)
    attachment = contract_attachment_add(
        contract=contract, actor=rep, kind="other", file=SimpleUploadedFile("a.txt", b"x")
    )
    urls = {
        "customer_list": "/customers/",
        "customer_create": "/customers/new/",
        "customer_detail": f"/customers/{customer.pk}/",
        "customer_edit": f"/customers/{customer.pk}/edit/",
        "contract_list": "/contracts/",
        "contract_create": "/contracts/new/",
        "contract_detail": f"/contracts/{contract.pk}/",
        "contract_edit": f"/contracts/{contract.pk}/edit/",
        "attachment": f"/contracts/{contract.pk}/attachments/{attachment.pk}/",
    }
    client.force_login(request.getfixturevalue(role))

    response = client.get(urls[page])

    assert response.status_code == status


def test_rep_lists_only_own_customers_and_contracts(client, rep, other_rep):
    mine = CustomerFactory(account_manager=rep, name="甲公司")
    theirs = CustomerFactory(account_manager=other_rep, name="乙公司")
    ContractFactory(customer=mine, number="HT-MINE")
    ContractFactory(customer=theirs, number="HT-THEIRS")
    client.force_login(rep)

    customers = html_of(client.get("/customers/"))
    contracts = html_of(client.get("/contracts/"))

    assert "甲公司" in customers and "乙公司" not in customers
    assert "HT-MINE" in contracts and "HT-THEIRS" not in contracts


def test_read_only_roles_see_no_edit_or_upload_controls(client, rep, production):
    customer = CustomerFactory(account_manager=rep)
    contract = ContractFactory(customer=customer, owner=rep)
    client.force_login(production)

    customer_page = html_of(client.get(f"/customers/{customer.pk}/"))
    contract_page = html_of(client.get(f"/contracts/{contract.pk}/"))
    customer_list = html_of(client.get("/customers/"))

    assert 'data-testid="edit-customer"' not in customer_page
    assert "/contracts/new/" not in customer_page
    assert 'data-testid="edit-contract"' not in contract_page
    assert 'data-testid="attachment-form"' not in contract_page
    assert 'data-testid="agreement-form"' not in contract_page
    assert "/customers/new/" not in customer_list


def test_production_may_not_post_a_new_customer(client, production):
    client.force_login(production)

    response = client.post("/customers/new/", new_customer_data())

    assert response.status_code == 403
    assert Customer.objects.count() == 0


# --- customer list -------------------------------------------------------------------------------


def test_customer_list_search_filters_and_sorting(client, sales_head, rep):
    a = CustomerFactory(
        name="杭州甲泵业有限公司",
        short_name="甲泵业",
        credit_limit=Decimal("300000.00"),
        is_key_customer=True,
        region="华东",
        account_manager=rep,
    )
    b = CustomerFactory(
        name="成都乙阀门有限公司",
        credit_limit=Decimal("900000.00"),
        region="西南",
        settlement_method="monthly",
    )
    c = CustomerFactory(name="宁波丙贸易有限公司", trade_type="export", is_active=False)
    client.force_login(sales_head)

    def names(query):
        return re.findall(
            r'class="fw-semibold">([^<]+)</a>', html_of(client.get(f"/customers/{query}"))
        )

    assert names("?q=甲泵") == [a.name]
    assert names(f"?q={b.credit_code[-6:].lower()}") == [b.name]
    assert names("?region=西南") == [b.name]
    assert names("?settlement_method=monthly") == [b.name]
    assert names("?key=yes") == [a.name]
    assert names("?trade_type=export") == [c.name]
    assert names("?active=no") == [c.name]
    # c has the factory's 1,000,000
    assert names("?sort=-credit_limit") == [c.name, b.name, a.name]
    assert names("?sort=credit_limit") == [a.name, b.name, c.name]
    page = html_of(client.get("/customers/"))
    assert "¥300,000.00" in page and 'data-testid="key-customer"' in page


def test_customer_list_bad_input_is_a_page_not_an_error(client, rep):
    CustomerFactory(account_manager=rep)
    client.force_login(rep)

    response = client.get("/customers/?credit_grade=Z&page=abc&page_size=7&sort=nonsense")

    assert response.status_code == 200
    assert "0 customers" in html_of(response)


def test_customer_list_htmx_gets_only_the_results(client, rep):
    CustomerFactory(account_manager=rep)
    client.force_login(rep)

    html = html_of(client.get("/customers/", HTTP_HX_REQUEST="true"))

    assert html.lstrip().startswith('<div id="customer-results">')


@pytest.mark.parametrize(
    ("url", "factory"), [("/customers/", "customer"), ("/contracts/", "contract")]
)
def test_lists_take_a_fixed_number_of_queries(
    client, sales_head, rep, django_assert_max_num_queries, url, factory
):
    client.force_login(sales_head)

    def add(n):
        for _ in range(n):
            customer = CustomerFactory(account_manager=rep)
            if factory == "contract":
                contract = ContractFactory(customer=customer)
                order_submit(
                    order=draft_order(rep, customer=customer, contract=contract), actor=rep
                )

    add(2)
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200
    add(30)
    with django_assert_max_num_queries(7):
        response = client.get(url + "?page_size=25")
    assert html_of(response).count('class="fw-semibold"') == 25


# --- customer page -------------------------------------------------------------------------------


def test_customer_page_shows_groups_contacts_addresses_contracts_and_order_totals(
    client, rep, django_assert_max_num_queries
):
    customer = CustomerFactory(
        account_manager=rep, bank_name="工商银行", credit_limit=Decimal("800000")
    )
    CustomerContactFactory(customer=customer, name="周联系")
    CustomerAddressFactory(customer=customer, detail="文三路478号")
    contract = ContractFactory(customer=customer, number="HT-C-1")
    first = order_submit(order=draft_order(rep, customer=customer, contract=contract), actor=rep)
    second = order_submit(order=draft_order(rep, customer=customer), actor=rep)
    draft = draft_order(rep, customer=customer)
    client.force_login(rep)

    # one more query than before approvals: the orders a rep may see as a delegate
    with django_assert_max_num_queries(11):
        html = html_of(client.get(f"/customers/{customer.pk}/"))

    for text in ("工商银行", "¥800,000.00", "周联系", "文三路478号", "HT-C-1", draft.number):
        assert text in html
    totals = html.split('data-testid="order-totals"')[1].split("</table>")[0]
    assert re.search(r'data-status="sales_review".*?num">2<.*?¥4,520.00', totals, re.S)
    assert re.search(r'data-status="draft".*?num">1<.*?¥2,260.00', totals, re.S)
    assert f"/orders/?customer={customer.pk}" in html
    assert first.total + second.total == Decimal("4520.00")


# --- customer form -------------------------------------------------------------------------------


def test_wrong_credit_code_is_shown_next_to_the_field_and_nothing_is_saved(client, rep):
    client.force_login(rep)

    response = client.post("/customers/new/", new_customer_data(credit_code=WRONG_CHECK))

    html = html_of(response)
    assert response.status_code == 200
    assert error_for(html, "credit_code") == (
        "The check character of the unified social credit code is wrong (expected 3)."
    )
    assert Customer.objects.count() == 0
    assert CustomerContact.objects.count() == 0
    # nothing typed is lost
    for typed in (WRONG_CHECK, "福州示例机电有限公司", "陈采购", "五四路100号", "350001"):
        assert f'value="{typed}"' in html


def test_credit_code_error_is_in_the_users_language(client, rep):
    client.force_login(rep)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/customers/new/"})

    html = html_of(client.post("/customers/new/", new_customer_data(credit_code=WRONG_CHECK)))

    assert error_for(html, "credit_code") == "统一社会信用代码的校验位错误（应为 3）。"


def test_live_credit_code_check(client, rep):
    client.force_login(rep)

    wrong = html_of(client.get("/customers/check-credit-code/", {"credit_code": WRONG_CHECK}))
    right = html_of(
        client.get("/customers/check-credit-code/", {"credit_code": " 91350100m000100y43"})
    )

    assert 'data-valid="false"' in wrong and "(expected 3)" in wrong
    assert 'data-valid="true"' in right


def test_rep_creates_a_customer_with_contacts_and_addresses(client, rep):
    client.force_login(rep)
    data = new_customer_data(
        **management("contacts", 2),  # the second row was added and left blank: skipped
        credit_limit="5000000",  # read-only for a rep: ignored
    )

    response = client.post("/customers/new/", data)

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert (customer.name, customer.credit_code, customer.account_manager) == (
        "福州示例机电有限公司",
        VALID_CODE,
        rep,
    )
    assert customer.credit_limit == Decimal("0.00")
    assert list(customer.contacts.values_list("name", "phone", "is_primary")) == [
        ("陈采购", "13900000001", True)
    ]
    assert list(customer.addresses.values_list("city", "postcode", "is_default")) == [
        ("福州市", "350001", True)
    ]


def test_address_error_is_shown_on_its_row(client, rep):
    client.force_login(rep)

    html = html_of(
        client.post("/customers/new/", new_customer_data(**{"addresses-0-postcode": "31000"}))
    )

    assert error_for(html, "addresses-0-postcode") == "A postcode has six digits."
    assert Customer.objects.count() == 0


def test_service_errors_on_a_list_are_shown_above_it(client, rep):
    client.force_login(rep)
    data = new_customer_data(
        **management("contacts", 2),
        **{"contacts-1-name": "第二位", "contacts-1-is_primary": "on"},
    )

    html = html_of(client.post("/customers/new/", data))

    errors = html.split('data-testid="contacts-errors">')[1].split("</div>")[0]
    assert errors == "Mark at most one contact as the primary contact."
    assert 'value="第二位"' in html
    assert Customer.objects.count() == 0


def test_a_row_of_another_customer_is_refused_on_that_row(client, rep):
    mine = CustomerFactory(account_manager=rep)
    foreign = CustomerContactFactory(customer=CustomerFactory(), name="别人的联系人")
    client.force_login(rep)
    data = edit_data(mine)
    data.update(management("contacts", 1, 1))
    data.update({"contacts-0-id": str(foreign.pk), "contacts-0-name": "改掉"})

    html = html_of(client.post(f"/customers/{mine.pk}/edit/", data))

    assert "This entry does not belong to the customer." in html
    foreign.refresh_from_db()
    assert (foreign.customer_id, foreign.name) != (mine.pk, "改掉")
    assert foreign.name == "别人的联系人"


def test_duplicate_credit_code_names_the_other_customer(client, rep):
    CustomerFactory(name="先到公司", credit_code=VALID_CODE)
    client.force_login(rep)

    html = html_of(client.post("/customers/new/", new_customer_data()))

    assert error_for(html, "credit_code") == "Another customer already has this credit code."
    assert Customer.objects.count() == 1


def test_add_row_without_javascript_saves_nothing_and_keeps_what_was_typed(client, rep):
    client.force_login(rep)
    data = new_customer_data(credit_code=WRONG_CHECK, add_row="contacts")

    response = client.post("/customers/new/", data)

    html = html_of(response)
    assert response.status_code == 200
    assert html.count('data-testid="contact-row"') == 2
    assert 'name="contacts-1-name"' in html
    assert 'value="陈采购"' in html
    assert error_for(html, "credit_code") == ""  # adding a row is not a save
    assert Customer.objects.count() == 0


def test_rep_edits_own_customer_updates_and_removes_rows(client, rep):
    customer = CustomerFactory(account_manager=rep, name="旧名有限公司")
    keep = CustomerContactFactory(customer=customer, name="留下", is_primary=True)
    gone = CustomerContactFactory(customer=customer, name="离职", is_primary=False)
    address = CustomerAddressFactory(customer=customer)
    client.force_login(rep)
    data = edit_data(customer, name="新名有限公司")
    data["contacts-0-phone"] = "13911112222"
    data["contacts-1-DELETE"] = "on"
    data["addresses-0-detail"] = "新地址1号"

    response = client.post(f"/customers/{customer.pk}/edit/", data)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "新名有限公司"
    assert list(customer.contacts.values_list("pk", "phone")) == [(keep.pk, "13911112222")]
    assert not CustomerContact.objects.filter(pk=gone.pk).exists()
    assert CustomerAddress.objects.get(pk=address.pk).detail == "新地址1号"


def test_rep_cannot_change_the_credit_limit(client, rep):
    customer = CustomerFactory(account_manager=rep, credit_limit=Decimal("100000.00"))
    client.force_login(rep)

    page = html_of(client.get(f"/customers/{customer.pk}/edit/"))
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        edit_data(customer, credit_limit="9999999.00", credit_grade="A"),
    )

    assert re.search(r'<input[^>]*name="credit_limit"[^>]*disabled', page)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.credit_limit, customer.credit_grade) == (Decimal("100000.00"), "B")


def test_finance_sets_the_credit_limit_and_leaves_contacts_alone(client, rep, finance):
    customer = CustomerFactory(account_manager=rep, name="原名")
    CustomerContactFactory(customer=customer)
    client.force_login(finance)

    page = html_of(client.get(f"/customers/{customer.pk}/edit/"))
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        {
            "credit_limit": "250000.00",
            "credit_grade": "C",
            "settlement_method": "credit_term",
            "credit_days": "45",
            "name": "finance may not rename",
        },
    )

    assert 'id="contacts-formset"' not in page
    assert re.search(r'<input[^>]*name="name"[^>]*disabled', page)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.credit_limit, customer.credit_grade, customer.credit_days) == (
        Decimal("250000.00"),
        "C",
        45,
    )
    assert customer.name == "原名"
    assert customer.contacts.count() == 1


def test_general_manager_adds_a_customer_without_becoming_its_manager(client, gm, rep):
    client.force_login(gm)

    page = html_of(client.get("/customers/new/"))
    response = client.post("/customers/new/", new_customer_data())
    assigned = client.post(
        "/customers/new/",
        new_customer_data(credit_code="91330106MA27XK5Q1K", account_manager=str(rep.pk)),
    )

    assert re.search(r'<option value="" selected>', page)
    assert response.status_code == 302 and assigned.status_code == 302
    assert Customer.objects.get(credit_code=VALID_CODE).account_manager is None
    assert Customer.objects.get(credit_code="91330106MA27XK5Q1K").account_manager == rep


def test_sales_head_assigns_the_account_manager(client, sales_head, rep, other_rep):
    customer = CustomerFactory(account_manager=rep)
    client.force_login(sales_head)

    response = client.post(
        f"/customers/{customer.pk}/edit/",
        edit_data(customer, account_manager=str(other_rep.pk)),
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.account_manager == other_rep


# --- contracts -----------------------------------------------------------------------------------


def contract_data(customer, **overrides) -> dict:
    data = {
        "number": "HT-2026-100",
        "customer": str(customer.pk),
        "title": "水泵采购合同",
        "signed_date": "2026-03-01",
        "amount": "120000.00",
        "payment_terms": "30% 预付",
    }
    data.update(overrides)
    return data


def test_contract_list_search_filter_and_ledger_columns(client, rep, sales_head):
    customer = CustomerFactory(account_manager=rep, name="甲方公司")
    contract = ContractFactory(customer=customer, number="HT-A", amount=Decimal("10000.00"))
    ContractFactory(number="HT-B", status="completed")
    order_submit(order=draft_order(rep, customer=customer, contract=contract), actor=rep)
    client.force_login(sales_head)

    def numbers(query):
        return re.findall(
            r'class="fw-semibold">(HT-[AB])</a>', html_of(client.get(f"/contracts/{query}"))
        )

    assert numbers("?q=甲方") == ["HT-A"]
    assert numbers("?status=completed") == ["HT-B"]
    assert numbers(f"?customer={customer.pk}") == ["HT-A"]
    assert numbers("?sort=number") == ["HT-A", "HT-B"]
    assert numbers("?sort=-remaining")[0] == "HT-B"
    row = html_of(client.get("/contracts/?q=HT-A"))
    assert "¥2,260.00" in row and "¥7,740.00" in row  # ordered, remaining


def test_contract_page_shows_the_ledger(client, rep, sales_head, django_assert_max_num_queries):
    customer = CustomerFactory(account_manager=rep)
    contract = ContractFactory(customer=customer, amount=Decimal("10000.00"), signed_date=SIGNED)
    counted = order_submit(order=draft_order(rep, customer=customer, contract=contract), actor=rep)
    approved = force_status(
        draft_order(rep, customer=customer, contract=contract), OrderStatus.APPROVED
    )
    draft = draft_order(rep, customer=customer, contract=contract)
    supplementary_agreement_add(
        contract=contract,
        actor=rep,
        number="BC-1",
        signed_date=datetime.date(2026, 4, 1),
        amount_change=Decimal("-500.00"),
    )
    client.force_login(sales_head)

    with django_assert_max_num_queries(10):
        html = html_of(client.get(f"/contracts/{contract.pk}/"))

    def cell(testid):
        return re.search(rf'data-testid="{testid}">([^<]*)<', html).group(1)

    assert cell("ledger-contract-amount") == "¥10,000.00"
    assert cell("ledger-supplementary") == "-¥500.00"
    assert cell("ledger-effective") == "¥9,500.00"
    assert cell("ledger-ordered") == "¥4,520.00"
    assert cell("ledger-remaining") == "¥4,980.00"
    assert cell("ledger-batches") == "2"
    batches = html.split('data-testid="batch-table"')[1].split("</table>")[0]
    assert [counted.number, approved.number, draft.number] == re.findall(r">(SO\d{11})<", batches)
    assert "not counted" in batches
    assert "BC-1" in html


def test_rep_registers_a_contract_from_the_customer_page(client, rep):
    customer = CustomerFactory(account_manager=rep)
    client.force_login(rep)

    form = html_of(client.get(f"/contracts/new/?customer={customer.pk}"))
    response = client.post("/contracts/new/", contract_data(customer))

    assert re.search(rf'<option value="{customer.pk}" selected>', form)
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contracts/{contract.pk}/"
    assert (contract.number, contract.owner, contract.amount) == (
        "HT-2026-100",
        rep,
        Decimal("120000.00"),
    )


def test_contract_errors_are_next_to_the_fields_and_nothing_is_saved(client, rep):
    customer = CustomerFactory(account_manager=rep)
    ContractFactory(number="HT-2026-100")
    client.force_login(rep)

    response = client.post(
        "/contracts/new/", contract_data(customer, start_date="2026-05-01", end_date="2026-04-01")
    )

    html = html_of(response)
    assert error_for(html, "number") == "Another contract already has this number."
    assert error_for(html, "end_date") == "The end date is before the start date."
    assert 'value="水泵采购合同"' in html
    assert Contract.objects.count() == 1


def test_rep_may_not_pick_another_reps_customer(client, rep, other_rep):
    theirs = CustomerFactory(account_manager=other_rep)
    client.force_login(rep)

    html = html_of(client.post("/contracts/new/", contract_data(theirs)))

    assert "Select a valid choice" in error_for(html, "customer")
    assert Contract.objects.count() == 0


def test_rep_edits_a_contract(client, rep):
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep), owner=rep)
    client.force_login(rep)

    response = client.post(
        f"/contracts/{contract.pk}/edit/",
        contract_data(
            contract.customer, number=contract.number, title="新标题", status="completed"
        ),
    )

    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.title, contract.status, contract.amount) == (
        "新标题",
        "completed",
        Decimal("120000.00"),
    )


# --- documents -----------------------------------------------------------------------------------


def test_attachment_upload_and_permission_checked_download(client, rep, other_rep):
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep), owner=rep)
    client.force_login(rep)

    response = client.post(
        f"/contracts/{contract.pk}/attachments/",
        {"kind": "signed_scan", "file": SimpleUploadedFile("合同扫描件.pdf", b"%PDF-1.4 scan")},
    )

    attachment = ContractAttachment.objects.get()
    assert response.status_code == 302
    assert (attachment.kind, attachment.name, attachment.uploaded_by) == (
        "signed_scan",
        "合同扫描件.pdf",
        rep,
    )
    url = f"/contracts/{contract.pk}/attachments/{attachment.pk}/"
    assert url in html_of(client.get(f"/contracts/{contract.pk}/"))
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 scan"
    assert "attachment;" in download["Content-Disposition"]
    client.force_login(other_rep)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ", "Files of type “.exe” are not accepted."),
        ("empty.pdf", b"", "The submitted file is empty."),
    ],
)
def test_bad_attachment_is_refused_next_to_the_field(client, rep, name, content, message):
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep), owner=rep)
    client.force_login(rep)

    response = client.post(
        f"/contracts/{contract.pk}/attachments/",
        {"kind": "other", "file": SimpleUploadedFile(name, content)},
    )

    assert response.status_code == 200
    assert error_for(html_of(response), "file").startswith(message)
    assert ContractAttachment.objects.count() == 0


def test_too_large_attachment_is_refused(client, rep, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep), owner=rep)
    client.force_login(rep)

    response = client.post(
        f"/contracts/{contract.pk}/attachments/",
        {"kind": "other", "file": SimpleUploadedFile("big.pdf", b"x" * 11)},
    )

    assert error_for(html_of(response), "file") == (
        "The file is too large (11\xa0bytes); the limit is 10\xa0bytes."
    )
    assert ContractAttachment.objects.count() == 0


def test_production_may_not_upload(client, rep, production):
    contract = ContractFactory(customer=CustomerFactory(account_manager=rep), owner=rep)
    client.force_login(production)

    response = client.post(
        f"/contracts/{contract.pk}/attachments/",
        {"kind": "other", "file": SimpleUploadedFile("a.pdf", b"x")},
    )

    assert response.status_code == 403
    assert ContractAttachment.objects.count() == 0


def test_supplementary_agreement_added_and_checked(client, rep):
    contract = ContractFactory(
        customer=CustomerFactory(account_manager=rep), owner=rep, signed_date=SIGNED
    )
    client.force_login(rep)

    early = client.post(
        f"/contracts/{contract.pk}/agreements/",
        {"number": "BC-1", "signed_date": "2026-02-01", "amount_change": "1000"},
    )
    ok = client.post(
        f"/contracts/{contract.pk}/agreements/",
        {
            "number": "BC-1",
            "signed_date": "2026-04-01",
            "amount_change": "1000",
            "description": "增加两台泵",
            "file": SimpleUploadedFile("bc1.pdf", b"%PDF"),
        },
    )

    assert error_for(html_of(early), "signed_date") == (
        "A supplementary agreement cannot be signed before its contract (2026-03-01)."
    )
    assert ok.status_code == 302
    agreement = SupplementaryAgreement.objects.get()
    assert (agreement.number, agreement.amount_change) == ("BC-1", Decimal("1000.00"))
    download = client.get(f"/contracts/{contract.pk}/agreements/{agreement.pk}/file/")
    assert b"".join(download.streaming_content) == b"%PDF"
