"""A letter's way to the debtor, as a case and a debtor's account both send it: by registered letter
when its channel says so, and always its copy by email, each under the keys of who sends it (a
case and its step, or an account and its communication), so that a retry sends neither twice."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.mail import MailActivities
    from models.documents import DocumentRef, RenderedLetter
    from models.enums import Channel
    from models.mail import EmailRequest, RegisteredLetterReceipt, RegisteredLetterRequest
    from models.parties import AgencyInfo, CreditorInfo, DebtorInfo
    from workflows.common import MAIL_ACTIVITY


async def post_letter(
    *,
    key: tuple[str, str],
    channel: Channel,
    debtor: DebtorInfo,
    sender: AgencyInfo | CreditorInfo,
    letter: RenderedLetter,
    labelled: DocumentRef,
    enclosures: list[DocumentRef],
) -> RegisteredLetterReceipt | None:
    """Send ``labelled`` and its enclosures; the registered letter's receipt, if it went as one.
    The debtor answers whoever writes (``sender``: the agency when one acts, else the creditor)."""
    case_id, step_key = key
    receipt = None
    if channel == Channel.REGISTERED_LETTER:
        receipt = await workflow.execute_activity_method(
            MailActivities.send_registered_letter,
            RegisteredLetterRequest(
                case_id=case_id,
                step_key=step_key,
                recipient_name=debtor.name,
                recipient_address=debtor.address,
                sender_name=sender.name,
                sender_address=sender.address,
                document=labelled,
                attachments=enclosures,
            ),
            **MAIL_ACTIVITY,
        )
    await workflow.execute_activity_method(
        MailActivities.send_email,
        EmailRequest(
            case_id=case_id,
            step_key=step_key,
            to=debtor.email,
            reply_to=sender.email,
            subject=letter.email_subject,
            body=letter.email_body,
            attachments=[labelled, *enclosures],
        ),
        **MAIL_ACTIVITY,
    )
    return receipt
