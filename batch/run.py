"""One disbursement run, top to bottom, in plain Python (SPEC §4–§6).

    plan      what the run was asked: which files, parameters, reference lists, `as_of`, and
              the reviewed ledger or paid batch it continues
    (read)    each workbook read and validated (`batch.inputs.read_input`; the flow fans it out)
    admit     the files of the chosen programmes, system-only columns checked, the batch's id
    (decide)  each programme's rules over all its files (`batch.inputs.decide`)
    settle_and_publish
              in one registry transaction: claims, review rounds, grants, holds and payments
              (`ledger.settlement`); every output staged, the round sealed with the manifest;
              committed, then the folder published
    audit_run the run's events appended to the batch's audit log, its head to the registry

`flows/disburse.py` calls these in this order and adds only Prefect: tasks, retries, logs and
artifacts. A run opens its registry once (`open_registry`) and hands it down.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from batch.inputs import (
    InputFile,
    selected,
    unsupported,
    with_references,
    without_unissued_system_columns,
)
from batch.memory import release_freed_memory
from batch.returning import ReturnedAhead, issuer_of, returned_ahead
from batch.stage import run_facts, stage_outputs
from ledger import audit
from ledger.decision_roots import batch_secret, file_roots
from ledger.faults import crash_point
from ledger.manifest import Manifest
from ledger.outputs import file_sha256
from ledger.publish import publish, recover, staging_for
from ledger.settlement import (
    BatchIdentity,
    Review,
    ReviewInput,
    ReviewKey,
    SettledBatch,
    batch_identity,
    prepare,
    record_of,
    screened,
    settle_alone,
    settle_claims,
)
from money.recovery import record_decreases
from money.verification import folder_problems
from policy.decisions import ProgramDecisions
from policy.parameters import PolicySet, load_policy
from policy.refusal import Refusal
from policy.screening import Screening, missing_checks
from registry.database import BatchRecord, Registry
from registry.opening import REGISTRY_FILE, opened, output_registry_url, registry_url
from workbooks.reader import Listing, References, list_inputs, read_references
from workbooks.review import ReviewedLedger, read_reviewed_ledger
from workbooks.screening_lists import ScreeningLists, read_screening_lists

DRY_RUN_SUFFIX = ".dry-run"


def run_registry_url(address: str | None, out: Path) -> str:
    """The registry a run records in: the address given (a URL or a SQLite path), else the
    `registry.sqlite` of its output folder (made by its first batch)."""
    return registry_url(address) or output_registry_url(out)


class NotPaidBatch(Refusal):
    """A top-up names a batch the registry has not recorded."""


class TopupNotAsked(Refusal):
    """New parameters over applications already paid: paying the difference is a top-up, asked
    for by naming the paid batch; a parameter folder alone never pays it."""

    def __init__(self, paid: BatchRecord, version: str) -> None:
        super().__init__(
            f"这批申请已在批次 {paid.batch_id} 中按参数版本 {paid.policy_version} 审核支付。"
            f"按新参数（{version}）补发差额，请填写补发批次号 topup_of={paid.batch_id}；"
            "只测算不支付，请用政策测算（whatif）"
        )


class BatchSentBack(Refusal):
    """A batch whose round the approver sent back (退回) is final: its claims were freed for a
    corrected batch, so running it again would take them anew."""


class AsOfRequired(Refusal):
    """A new batch needs its assessment date: it is never guessed."""


class InputsMissing(Refusal):
    """A path the run was given does not exist (a folder not mounted, a typo)."""

    def __init__(self, paths: list[Path]) -> None:
        listed = "、".join(str(p) for p in paths)
        super().__init__(
            f"输入路径不存在或未挂载：{listed}。请检查路径（或共享目录是否已挂载）后重新运行"
        )


class NoUsableInput(Refusal):
    """Nothing the run was given can be decided: no batch is made, and the run fails saying
    which files were found and why each could not be used."""

    def __init__(self, files: list[InputFile], folders: list[Path]) -> None:
        self.files = files
        where = "、".join(str(f) for f in folders)
        if not files:
            message = f"在 {where} 中没有找到申请工作簿（.xlsx、.xlsm、.xls），未生成批次"
        else:
            listed = "；".join(f"{f.name}：{f.error} {f.message}" for f in files)
            message = f"{where} 中没有可以审核的申请工作簿，未生成批次。{listed}"
        super().__init__(message)


@dataclass(frozen=True)
class Request:
    """What a run is asked to do (the flow's parameters, typed)."""

    inputs: list[Path]
    reference: Path | None
    out: Path
    programs: set[str]
    as_of: dt.date | None = None
    reviewed_ledger: Path | None = None
    dry_run: bool = False
    registry: str | None = None
    policy: str | None = None
    topup_of: str | None = None
    # Who prepared the round (SPEC §8): the CLI's --prepared-by or the OS user; a scheduled run
    # its deployment's service account. Its payments are released only by someone else.
    prepared_by: str = ""
    # The key shared with the partner province for paid-elsewhere hashes (SPEC §2): from the
    # environment or a Secret, never a flow parameter; None: that check is not run.
    partner_key: bytes | None = field(default=None, repr=False)

    @property
    def registry_url(self) -> str | None:
        """The registry a run records in: none for a dry run; the output folder's by default."""
        if self.dry_run:
            return None
        return run_registry_url(self.registry, self.out)


@dataclass(frozen=True)
class Plan:
    """What the run works from, before any application is read."""

    request: Request
    listing: Listing
    policy: PolicySet
    references: References
    as_of: dt.date
    review: ReviewedLedger | None = None
    original: BatchRecord | None = None  # the paid batch a top-up continues
    screening: ScreeningLists | None = None  # the screening lists (SPEC §2)

    @property
    def paths(self) -> list[Path]:
        """The workbooks to read."""
        return self.listing.workbooks


@dataclass(frozen=True)
class Batch:
    """The batch the read files make: its identity, files, verdicts and output folder."""

    identity: BatchIdentity
    files: list[InputFile]
    folder: Path
    policy: PolicySet
    sources: dict[str, Path]
    review: ReviewInput | None = None
    unissued_columns: list[str] = field(default_factory=list)  # files whose columns were blanked
    prepared_by: str = ""
    screening: ScreeningLists | None = None
    partner_key: bytes | None = field(default=None, repr=False)

    def decided(self) -> Batch:
        """The batch once its files are decided: their sheets let go (a province's read frames
        are a gigabyte; nothing after deciding reads them)."""
        return replace(self, files=[replace(f, sheets={}) for f in self.files])


@contextmanager
def open_registry(request: Request) -> Iterator[Registry | None]:
    """The run's registry, opened once (None for a dry run) and closed when the run ends."""
    url = request.registry_url
    if url is None:
        yield None
        return
    with opened(url, create=True) as registry:
        yield registry


def recover_crashed(request: Request, registry: Registry | None) -> list[str]:
    """Publish or drop what a crashed run left staged in the output folder (`ledger.publish`).
    A dry run judges them against the default registry only if one exists there."""
    url = run_registry_url(request.registry, request.out)
    if registry is not None:
        return recover(request.out, registry.manifest_of, registry.url)
    if request.registry or (request.out / REGISTRY_FILE).exists():
        with opened(url, create=True) as found:
            return recover(request.out, found.manifest_of, url)
    return recover(request.out, lambda batch_id: None, url)


def plan(request: Request, registry: Registry | None) -> Plan:
    """Resolve the run's inputs. `as_of` is the one asked for, else the paid batch's (a
    top-up), else the reviewed ledger's; a run with none of them is refused (a default date
    would decide last year's applications as of today: all duplicates, returned to applicants
    who were paid)."""
    review = read_reviewed_ledger(request.reviewed_ledger) if request.reviewed_ledger else None
    original = paid_batch(registry, request.topup_of) if request.topup_of else None
    as_of = request.as_of or (
        original.as_of if original else (review.as_of if review and review.as_of else None)
    )
    if as_of is None:
        raise AsOfRequired(
            "请填写审核基准日（as_of）：按哪一天的政策和情况审核这批申请。"
            "复核后重新运行或补发时可留空，沿用原批次的审核基准日"
        )
    aside = (request.reference,) if request.reference else ()
    listing = list_inputs(request.inputs, aside=aside)
    if listing.absent:
        raise InputsMissing(listing.absent)
    return Plan(
        request,
        listing,
        load_policy(request.policy),
        read_references(request.reference),
        as_of,
        review,
        original,
        read_screening_lists(request.reference),
    )


def paid_batch(registry: Registry | None, batch_id: str) -> BatchRecord:
    """The recorded batch a top-up continues: same applications (lineage) and `as_of`."""
    if registry is None:
        raise NotPaidBatch("补发需要支付登记库，不能与试运行同时使用")
    found = registry.batch_of(batch_id)
    if found is None:
        raise NotPaidBatch(f"支付登记库中没有批次 {batch_id}，无法补发")
    return found


def screened_with(plan: Plan) -> dict[str, str]:
    """What screening reads that decides rows: the usable lists' workbooks (sha256) and, where
    a partner key is set, its fingerprint (an HMAC of a fixed text: the key is not in it). A
    rerun with other lists or another key is another batch, never the same one decided anew."""
    screened = dict(plan.screening.sha256) if plan.screening else {}
    key = plan.request.partner_key
    if key:
        screened[PARTNER_KEY_NAME] = hmac.new(key, FINGERPRINT_TEXT, hashlib.sha256).hexdigest()[
            :16
        ]
    return screened


PARTNER_KEY_NAME = "外省核查密钥"
FINGERPRINT_TEXT = b"subsidy partner key fingerprint"


def admit(plan: Plan, files: list[InputFile], registry: Registry | None) -> Batch:
    """The batch the read files (in `plan.paths`' order) make: each named by its path under the
    folder named; files of programmes not chosen are listed, as are those whose reference
    list is missing; system-only columns count only in workbooks this system issued; files
    that are not workbooks are listed but do not name the batch; and the reviewed ledger's
    verdicts count only for the batch it was written for."""
    crash_point("read")  # every workbook read, nothing admitted
    names = plan.listing.names
    files = [replace(f, name=names[p]) for f, p in zip(files, plan.paths, strict=True)]
    files = with_references(selected(files, plan.request.programs), plan.references)
    issued = registry.issued([f.sha256 for f in files]) if registry else set()
    files, blanked = without_unissued_system_columns(files, issued)
    screened = screened_with(plan)
    identity = batch_identity(
        [(f.name, f.sha256) for f in files],
        {**plan.references.sha256, **screened},
        plan.policy.version,
        plan.as_of,
        lineage=plan.original.lineage if plan.original else None,
        screening=screened,
    )
    if registry is not None and plan.original is None:
        recorded = registry.batches_of_lineage(identity.lineage)
        rerun = any(b.batch_id == identity.batch_id for b in recorded)
        if recorded and not rerun:  # these applications, paid under other parameters
            raise TopupNotAsked(recorded[-1], identity.policy_version)
    review = plan.review
    if review and review.batch_id != identity.batch_id:
        elsewhere = (
            f"复核台账属于批次 {review.batch_id or '（未知）'}，不是本批次 {identity.batch_id}，"
            "其中的复核结论均未采用"
        )
        review = replace(review, reviews={}, ignored=[*review.ignored, elsewhere])
    verdicts = (
        ReviewInput(
            review.reviews, review.reviewer, getpass.getuser(), review.shown_amounts, review.ignored
        )
        if review
        else None
    )
    # A dry run never replaces a recorded batch's files: its outputs go beside them.
    name = identity.batch_id + (DRY_RUN_SUFFIX if plan.request.dry_run else "")
    others = [unsupported(path, names[path]) for path in plan.listing.unsupported]
    if not any(f.error is None for f in files):
        raise NoUsableInput(sorted([*files, *others], key=lambda f: f.name), plan.request.inputs)
    return Batch(
        identity,
        sorted([*files, *others], key=lambda f: f.name),
        plan.request.out / name,
        plan.policy,
        {names[p]: p for p in plan.paths},
        verdicts,
        sorted(set(blanked)),
        plan.request.prepared_by or getpass.getuser(),
        plan.screening,
        plan.request.partner_key,
    )


def sent_back_folder(batch: Batch, registry: Registry | None) -> Path | None:
    """A plain rerun of a batch the approver sent back (SPEC §8): its files as they were, checked
    against their manifest, with nothing decided or claimed again (its claims were freed for a
    corrected batch). A new review round of it is refused. None for any other batch."""
    if registry is None or not registry.sent_back(batch.identity.batch_id):
        return None
    if batch.review is not None and batch.review.reviews:
        raise BatchSentBack(
            f"批次 {batch.identity.batch_id} 已被审批人退回，不能再复核或拨付；"
            "请更正申请后作为新批次提交"
        )
    problems = folder_problems(batch.folder, registry.url)
    if problems:
        raise BatchSentBack(
            f"批次 {batch.identity.batch_id} 已被审批人退回，其输出文件已改动，无法重现："
            + "；".join(problems)
        )
    return batch.folder


def settle_and_publish(
    results: list[ProgramDecisions], batch: Batch, registry: Registry | None
) -> tuple[SettledBatch, Manifest]:
    """Settle the batch's latest round and write its outputs; they commit together.

    Claims, verdicts, holds and payments are recorded in one registry transaction in which
    every output is staged and the round is sealed with the manifest's sha256; after the
    commit the staged folder is published. A crash anywhere leaves either nothing or a staging
    folder `recover_crashed` finishes. Returns the settled batch and the manifest as written.
    """
    release_freed_memory()  # the read frames, let go once decided
    prepared = prepare(results)
    with staging_for(batch.folder, registry.url if registry else None) as staging:
        if registry is None or prepared.empty:
            screening = screening_of(batch, None)
            settled = settle_alone(screened(prepared, screening), batch.identity, batch.review)
            settled = replace(settled, screening_missing=_missing(screening))
            del prepared  # the combined rows: the settled batch holds what is written
            release_freed_memory()
            manifest = _stage(staging, batch, settled, results)
        else:
            issuer = issuer_of(batch.policy, batch.identity.as_of)
            with (
                returned_ahead(prepared.decisions, batch.files, batch.sources, issuer) as ahead,
                registry.claiming(record_of(batch.identity), prepared.candidates) as claims,
            ):
                # Screened under the registry's lock: the accounts earlier batches gave are
                # read in the transaction that records this one.
                screening = screening_of(batch, claims.accounts_before())
                prepared = screened(prepared, screening)
                settled = settle_claims(prepared, batch.identity, claims, batch.review)
                settled = replace(settled, screening_missing=_missing(screening))
                del prepared
                release_freed_memory()
                manifest = _stage(staging, batch, settled, results, ahead)
                claims.seal(settled.round, file_sha256(staging / "manifest.json"))
                claims.prepared(settled.round, batch.prepared_by)
                # Owed less than already paid: amounts owed back (追回), netted later (SPEC §8).
                record_decreases(
                    claims.connection,
                    settled.decreases,
                    batch.identity.batch_id,
                    settled.round,
                    batch.prepared_by,
                )
        crash_point("committed")
        publish(staging, batch.folder)
    crash_point("published")
    return settled, manifest


def screening_of(batch: Batch, earlier: pd.DataFrame | None) -> Screening | None:
    """What the batch's rows are screened against before payment (SPEC §2); `earlier`: the
    accounts earlier batches gave (none in a dry run)."""
    if batch.screening is None:
        return None
    return Screening(
        batch.screening,
        batch.identity.as_of,
        *([earlier] if earlier is not None else []),
        partner_key=batch.partner_key,
    )


def _missing(screening: Screening | None) -> dict[str, str]:
    return missing_checks(screening) if screening else {}


def _stage(
    staging: Path,
    batch: Batch,
    settled: SettledBatch,
    results: list[ProgramDecisions],
    ahead: ReturnedAhead | None = None,
) -> Manifest:
    return stage_outputs(
        staging,
        batch.identity,
        batch.files,
        settled,
        results,
        batch.policy,
        batch.sources,
        ahead,
    )


def audit_run(
    settled: SettledBatch,
    manifest: Manifest,
    batch: Batch,
    flow_run_id: str,
    registry: Registry | None,
) -> None:
    """Append the run's events to the batch's audit log; its new head goes to the registry.
    Each input file's event carries the Merkle root of its lines in the `decisions.csv` just
    published (salted with the batch's secret); each verdict this round applied, and each of
    its conflicts, gets an event of its own. A rerun records the roots again (the same) but no
    verdict twice."""
    release_freed_memory()  # what writing the outputs let go
    rerun = registry is not None and not settled.new_round
    facts = replace(
        run_facts(manifest, batch.files, batch.sources, flow_run_id, rerun), round=settled.round
    )
    secret = batch_secret(manifest.batch_id, batch.folder, registry)
    decisions_csv = (batch.folder / "decisions.csv").read_bytes()
    roots = file_roots(
        secret, decisions_csv, [(f.name, f.program, f.sha256, f.error) for f in batch.files]
    )
    verdicts = [] if rerun else verdicts_given(settled, batch.review)
    reviewer = batch.review.reviewer if batch.review else ""
    bodies = audit.run_bodies(facts, roots, verdicts, reviewer, settled.conflicts)
    appended = audit.append_bodies(batch.folder / "audit.jsonl", bodies)
    crash_point("audited")
    if registry is not None:
        registry.record_audit_head(manifest.batch_id, appended.head, flow_run_id, appended.events)


def verdicts_given(settled: SettledBatch, review: ReviewInput | None) -> list[audit.Verdict]:
    """The verdicts of this round's reviewed ledger that the round applied, row by row."""
    if review is None or not review.verdicts:
        return []
    return [
        audit.Verdict(key[0], key[1], key[2], key[3], given.verdict, given.comment)
        for key, given in sorted(verdicts_in_force(settled).items())
        if review.verdicts.get(key) is not None and review.verdicts[key].verdict == given.verdict
    ]


def verdicts_in_force(settled: SettledBatch) -> dict[ReviewKey, Review]:
    """Every verdict the batch's rounds applied, by row."""
    decisions = settled.decisions
    if "verdict" not in decisions:
        return {}
    decided = decisions[decisions["verdict"] != ""]
    return {
        (str(p), str(f), str(s), int(r)): Review(str(v), str(c))
        for p, f, s, r, v, c in zip(
            decided["program"],
            decided["file"],
            decided["sheet"],
            decided["row"],
            decided["verdict"],
            decided["comment"],
            strict=True,
        )
    }
