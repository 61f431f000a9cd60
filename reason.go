package numsync

// Reason is the stable, upper-case code that says why a row was rejected, an
// operation was blocked or a warning was raised. Codes appear in plans,
// reports and error messages; scripts may match on them, so they never change
// meaning.
type Reason string

// Reason codes of the domain rules; R1–R15 are the rules of docs/rules.md,
// which also says what each code means and which test holds it.
const (
	BadRow             Reason = "BAD_ROW"              // R1: the row cannot be read
	BadNumber          Reason = "BAD_NUMBER"           // R2: not a valid number
	NoExtensionAllowed Reason = "NO_EXTENSION_ALLOWED" // R2: extension on a non Direct Routing number
	UnknownUser        Reason = "UNKNOWN_USER"         // R3
	UserDisabled       Reason = "USER_DISABLED"        // R3
	DuplicateNumber    Reason = "DUPLICATE_NUMBER"     // R4: one number wanted by two identities
	ConflictingRows    Reason = "CONFLICTING_ROWS"     // R4: two wishes for one identity and category
	NotInInventory     Reason = "NOT_IN_INVENTORY"     // R5
	TypeMismatch       Reason = "TYPE_MISMATCH"        // R6
	CapabilityMissing  Reason = "CAPABILITY"           // R7
	NumberTaken        Reason = "NUMBER_TAKEN"         // R8
	Quarantined        Reason = "QUARANTINED"          // R9
	CountryMismatch    Reason = "COUNTRY_MISMATCH"     // R10
	NoCallingPlan      Reason = "NO_CALLING_PLAN_LICENSE"
	NoPhoneLicense     Reason = "NO_PHONE_LICENSE" // R11: warning unless policy makes it an error
	OnPremLineSet      Reason = "ONPREM_LINE_SET"  // R12: blocked, not rejected
	UnknownLocation    Reason = "UNKNOWN_LOCATION" // R13
	LocationCountry    Reason = "LOCATION_COUNTRY" // R13
	LocationFixed      Reason = "LOCATION_NOT_UPDATABLE"
	NotAuthorized      Reason = "NOT_AUTHORIZED" // R15
	DuplicateRow       Reason = "DUPLICATE_ROW"  // warning: the same wish repeated identically
	UnknownHolder      Reason = "UNKNOWN_HOLDER" // an inventory holder id that matches no user
	DuplicateID        Reason = "DUPLICATE_ID"   // two users with one cloud object id; neither is loaded
	// HiddenCharacter warns of a value holding a bidirectional or invisible
	// control ([IsHidden]): reports show it as "⟨U+202E⟩", since obeyed it
	// makes text read as something else.
	HiddenCharacter Reason = "HIDDEN_CHARACTER"
	// ChangedSince refuses the part of a rollback whose assignment was
	// changed after the run, by a later run or an import: restoring it
	// would undo someone else's change.
	ChangedSince Reason = "CHANGED_SINCE"

	// Warnings about input files rather than rows.
	UnknownColumn Reason = "UNKNOWN_COLUMN" // a header cell no column matches; ignored
	NotUTF8       Reason = "NOT_UTF8"       // the file was read as Windows-1252
	UnknownValue  Reason = "UNKNOWN_VALUE"  // a value that was ignored (a licence that does not matter to telephony)
)

// Reasons lists every code in a fixed order, for reports and documentation.
var Reasons = []Reason{
	BadRow, BadNumber, NoExtensionAllowed, UnknownUser, UserDisabled,
	DuplicateNumber, ConflictingRows, NotInInventory, TypeMismatch,
	CapabilityMissing, NumberTaken, Quarantined, CountryMismatch,
	NoCallingPlan, NoPhoneLicense, OnPremLineSet, UnknownLocation,
	LocationCountry, LocationFixed, NotAuthorized, DuplicateRow, UnknownHolder, DuplicateID,
	HiddenCharacter, ChangedSince, UnknownColumn, NotUTF8, UnknownValue,
}
