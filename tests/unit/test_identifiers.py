import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from fours_domain.shared.errors import InvalidIdentifier
from fours_domain.shared.identifiers import (
    MobileNumber,
    Plate,
    PlateKind,
    ResidentId,
    SocialCreditCode,
    Vin,
    VinCheck,
    vin_check_digit,
)
from fours_domain.testing import strategies as fs


@given(fs.vins())
def test_valid_vins_parse_strictly(vin: Vin) -> None:
    assert Vin.parse(vin.value.lower()) == Success(vin)
    assert vin.warnings == ()


@given(fs.mistyped_vins())
def test_wrong_check_digit_strict_refuses_lenient_warns(raw: str) -> None:
    match Vin.parse(raw):
        case Failure(error):
            assert "check digit" in error.message
        case _:
            pytest.fail("strict mode accepted a wrong check digit")
    lenient = Vin.parse(raw, VinCheck.LENIENT).unwrap()
    assert not lenient.check_digit_valid
    assert "lenient" in lenient.warnings[0]


@given(st.one_of(fs.vins().map(str), fs.mistyped_vins()), st.sampled_from(list(VinCheck)))
def test_the_check_digit_flag_is_computed_never_taken_on_trust(raw: str, check: VinCheck) -> None:
    right = vin_check_digit(raw) == raw[8]
    if check is VinCheck.STRICT and not right:
        with pytest.raises(InvalidIdentifier, match="check digit"):
            Vin(raw, check)
        return
    vin = Vin(raw, check)
    assert vin.check_digit_valid is right
    assert (vin.warnings == ()) is right  # no "X does not match X" for a correct digit
    assert Vin.parse(raw, check).unwrap().check_digit_valid is right


def test_the_flag_cannot_be_passed_in() -> None:
    with pytest.raises(TypeError):
        Vin("1M8GDM9AXKP042788", check_digit_valid=False)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Vin("1M8GDM9AXKP042788", False)  # type: ignore[arg-type]
    assert Vin("1M8GDM9AXKP042788", VinCheck.LENIENT).warnings == ()


@given(fs.invalid_vins())
def test_malformed_vins_are_refused_in_every_mode(raw: str) -> None:
    assert isinstance(Vin.parse(raw, VinCheck.LENIENT), Failure)
    with pytest.raises(InvalidIdentifier):
        Vin(raw)


def test_known_vin_and_error_names_the_problem() -> None:
    assert Vin("1M8GDM9AXKP042788").wmi == "1M8"
    error = Vin.parse("1M8GDM9AXKP04278O").failure()
    assert "not allowed" in error.message and "O" in error.message
    assert "16 characters" in Vin.parse("1M8GDM9AXKP04278").failure().message


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("京A12345", PlateKind.REGULAR),
        ("粤B·D12345", PlateKind.NEW_ENERGY_SMALL),
        ("沪AD12345", PlateKind.NEW_ENERGY_SMALL),
        ("苏E12345D", PlateKind.NEW_ENERGY_LARGE),
        ("京A1234学", PlateKind.REGULAR),
    ],
)
def test_plate_kinds(raw: str, kind: PlateKind) -> None:
    assert Plate(raw).kind is kind


@pytest.mark.parametrize("raw", ["京A1234", "京a12345", "XA12345", "京AI2345", "沪AD1234X"])
def test_bad_plates(raw: str) -> None:
    if raw == "京a12345":  # lower case is normalised, not refused
        assert Plate(raw).value == "京A12345"
        return
    assert isinstance(Plate.parse(raw), Failure)


@given(fs.plates())
def test_generated_plates_round_trip(plate: Plate) -> None:
    assert Plate.parse(str(plate)) == Success(plate)


@pytest.mark.parametrize(
    "raw", ["13812345678", "+86 138 1234 5678", "008613812345678", "8613812345678", "138-1234-5678"]
)
def test_mobile_forms(raw: str) -> None:
    number = MobileNumber.parse(raw).unwrap()
    assert number.e164 == "+8613812345678"
    assert number.masked == "138****5678"


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "+1 650 253 0000", "02161234567"])
def test_not_mobile(raw: str) -> None:
    assert isinstance(MobileNumber.parse(raw), Failure)


@given(fs.mobile_numbers())
def test_mobile_round_trip(number: MobileNumber) -> None:
    assert MobileNumber.parse(number.national) == Success(number)


def test_resident_id_checked_and_masked() -> None:
    rid = ResidentId("11010519491231002X")
    assert rid.masked == "110105********002X"
    with pytest.raises(InvalidIdentifier):
        ResidentId("110105194912310021")


def test_uscc_accepts_departments_a_n_y() -> None:
    from stdnum.cn import uscc

    for dept in "ANY9":
        body = f"{dept}1110108MA01ABCD0"
        code = body + uscc.calc_check_digit(body)
        assert SocialCreditCode(code).value == code
    body = "91110108MA01ABCDE"
    wrong = "0" if uscc.calc_check_digit(body) != "0" else "1"
    with pytest.raises(InvalidIdentifier, match="check character"):
        SocialCreditCode(body + wrong)
