package spiker

import "strings"

// The rules of the national service standard (Permen PPPA 2/2022) and of
// UU 12/2022 (TPKS) that a case's workflow enforces. They are decided here,
// in one place, and the store applies them inside the transaction that
// makes the change.

// StepIndex returns the position of step in CaseSteps, or -1.
func StepIndex(step string) int {
	for i, s := range CaseSteps {
		if s == step {
			return i
		}
	}
	return -1
}

// CheckStep decides a move from one step to another: forward one step at a
// time; skipping ahead or going back is allowed with a reason, which the
// case keeps. Terminasi comes only with a supervisor's approval of closure.
func CheckStep(from, to, reason string) error {
	i, j := StepIndex(from), StepIndex(to)
	switch {
	case j < 0 || to == CaseSteps[len(CaseSteps)-1]:
		return fieldError("choose a step; closure needs a supervisor's approval", "step", "staff.err.step")
	case j == i:
		return fieldError("the case is already at this step", "step", "case.err.same_step")
	case j != i+1 && strings.TrimSpace(reason) == "":
		return fieldError("skipping a step or going back needs a reason", "step_reason", "case.err.step_reason")
	}
	return nil
}

// VictimMakesTPKS reports whether a victim's record holds sexual violence,
// which makes the case a TPKS case (UU 12/2022 Pasal 4).
func VictimMakesTPKS(v *CaseVictim) bool {
	return len(v.SexualForms) > 0 || contains(v.ViolenceTypes, "Seksual")
}

// CheckTPKSChange decides a change of a case's TPKS flag. Anyone writing
// the case may raise it; clearing it takes a supervisor (PermCaseApprove)
// and a reason, since it stops the police-report clock and allows Mediasi.
func CheckTPKSChange(actor *Actor, was, now bool, reason string) error {
	if !was || now {
		return nil
	}
	if !actor.Can(PermCaseApprove) {
		return Errorf(EFORBIDDEN, "only a supervisor can clear the TPKS mark of a case")
	}
	if strings.TrimSpace(reason) == "" {
		return fieldError("clearing the TPKS mark needs a reason", "tpks_reason", "case.err.tpks_reason")
	}
	return nil
}

// CheckClosureRequest decides a request to close a case: a TPKS case whose
// police report is not recorded may be closed only with an exception whose
// reason is stated (the victim's informed refusal, say), for the
// supervisor to approve.
func CheckClosureRequest(tpks, policeReported bool, exception string) error {
	if tpks && !policeReported && strings.TrimSpace(exception) == "" {
		return fieldError("a TPKS case closes only after its police report is recorded, or with an exception and its reason",
			"police_exception", "case.err.police_exception")
	}
	return nil
}

// CheckClosureApproval decides the approval: the approver must approve the
// police-report exception explicitly when one is needed.
func CheckClosureApproval(tpks, policeReported, exceptionApproved bool) error {
	if tpks && !policeReported && !exceptionApproved {
		return fieldError("this TPKS case has no police report recorded: approve the exception explicitly, or ask for the report first",
			"approve_exception", "case.err.approve_exception")
	}
	return nil
}

func fieldError(msg, field, key string) error {
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{field: key}}
}
