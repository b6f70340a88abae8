@mechanisms @provider-transfer @OBF-6.4.3-a @needs-provider-transfer
Feature: Transfer of the authentication provider (OBF draft 6.4.3 a, Figure 5)
  A device shipped across the world moves from its Authentication Server (the draft's A) to another one (B). The
  draft: the Secure Element stores B's public key after validating it with A's public key (a signature), and during
  the transition only public keys are exchanged. The profile's reading (docs/profile/provider-transfer.md): A, on
  the SE owner's authorisation and only for a provider it has a business agreement with, signs (Ed25519) a transfer
  statement naming B's keys, the SE (ICCID and X25519 public key), a sequence number and a validity. The SE checks
  it with A's key and refuses a statement signed by anyone else, altered, replayed or made for another SE; it then
  derives its new subscription key from X25519 with B's key, and B derives the same key from the SE's public key,
  so no secret key moves and A never learns it. A's subscription ends when A signs: its keys stop working.

  Background:
    Given device "tracker" with its Secure Element
    And the providers "Operator A", "Operator B" and "M2M Provider" have business agreements for provider transfers

  @TP/OBF/TRANSFER/BV-01
  Scenario: After a transfer signed by A the device bootstraps with B, and B's Application Servers get the card's key
    Given the owner has the Authentication Server of "Operator A" sign the transfer of device "tracker" to the Authentication Server of "M2M Provider" as "A to M2M"
    When the Secure Element of device "tracker" is given the transfer statement "A to M2M"
    Then the Secure Element of device "tracker" accepts the transfer
    And the Secure Element of device "tracker" trusts provider "M2M Provider" with transfer sequence 1
    When the Authentication Server of "M2M Provider" takes over the subscription of device "tracker" from the statement "A to M2M"
    And device "tracker" bootstraps with the Authentication Server of "M2M Provider"
    Then the bootstrap of device "tracker" with the Authentication Server of "M2M Provider" succeeds
    Given Application Server "State VTAMS" is registered with the Authentication Server of "M2M Provider"
    And the Resource Server of "M2M Provider" grants "State VTAMS" rights over device "tracker" for "position"
    When Application Server "State VTAMS" asks the Authentication Server of "M2M Provider" for the key of device "tracker"
    Then the key equals the Ks_ext_NAF the Secure Element of device "tracker" derives for "State VTAMS" under its new subscription

  @TP/OBF/TRANSFER/BV-02
  Scenario: Once A has signed the transfer, A's keys stop working: no key for its B-TID, no bootstrap, and the card refuses them
    Given device "tracker" has bootstrapped with the Authentication Server of "Operator A"
    And Application Server "Fleet Owner" is registered with the Authentication Server of "Operator A"
    And the Resource Server of "Operator A" grants "Fleet Owner" rights over device "tracker" for "position"
    And device "tracker" has moved from the Authentication Server of "Operator A" to the Authentication Server of "Operator B"
    When Application Server "Fleet Owner" asks the Authentication Server of "Operator A" for the key of device "tracker"
    Then the Authentication Server of "Operator A" refuses the key request with error "SUBSCRIPTION_TRANSFERRED"
    When device "tracker" bootstraps with the Authentication Server of "Operator A"
    Then the Authentication Server of "Operator A" refuses the bootstrap of device "tracker" with error "SUBSCRIPTION_TRANSFERRED"
    And the Secure Element of device "tracker" refuses a challenge made with its former subscription keys with status "9862"

  @TP/OBF/TRANSFER/BI-01
  Scenario: A statement signed by anyone but the current provider is refused by the card and by B
    When an attacker signs a transfer of device "tracker" to the Authentication Server of "Operator B" with its own key and gives it to the Secure Element
    Then the Secure Element of device "tracker" refuses the transfer with status "6988"
    And the Secure Element of device "tracker" trusts provider "Operator A" with transfer sequence 0
    When the Authentication Server of "Operator B" is asked to take over the subscription of device "tracker" from the statement "attacker"
    Then the Authentication Server of "Operator B" refuses with error "BAD_SIGNATURE"

  @TP/OBF/TRANSFER/BI-02
  Scenario: A statement altered after A signed it is refused
    Given the owner has the Authentication Server of "Operator A" sign the transfer of device "tracker" to the Authentication Server of "Operator B" as "A to B"
    When an attacker replaces the new provider's key-agreement key in statement "A to B" and gives it to the Secure Element of device "tracker"
    Then the Secure Element of device "tracker" refuses the transfer with status "6988"
    And the Secure Element of device "tracker" trusts provider "Operator A" with transfer sequence 0

  @TP/OBF/TRANSFER/BI-03
  Scenario: A statement already used is refused when replayed, even after the device has come back to A
    Given device "tracker" has moved from the Authentication Server of "Operator A" to the Authentication Server of "Operator B" with the statement "A to B"
    And device "tracker" has moved from the Authentication Server of "Operator B" to the Authentication Server of "Operator A" with the statement "B to A"
    When the Secure Element of device "tracker" is given the transfer statement "A to B" again
    Then the Secure Element of device "tracker" refuses the transfer with status "6985"
    And the Secure Element of device "tracker" trusts provider "Operator A" with transfer sequence 2
    When the Authentication Server of "Operator B" is asked to take over the subscription of device "tracker" from the statement "A to B"
    Then the Authentication Server of "Operator B" refuses with error "REPLAYED_STATEMENT"

  @TP/OBF/TRANSFER/BI-04
  Scenario: A statement made for another Secure Element is refused
    Given device "second tracker" with its Secure Element
    And the owner has the Authentication Server of "Operator A" sign the transfer of device "second tracker" to the Authentication Server of "Operator B" as "other SE"
    When the Secure Element of device "tracker" is given the transfer statement "other SE"
    Then the Secure Element of device "tracker" refuses the transfer with status "6A88"
    And the Secure Element of device "tracker" trusts provider "Operator A" with transfer sequence 0

  @TP/OBF/TRANSFER/BI-05
  Scenario: A refuses to sign a transfer to a provider it has no business agreement with
    When the owner asks the Authentication Server of "Operator A" to sign the transfer of device "tracker" to a provider it has no agreement with
    Then the Authentication Server of "Operator A" refuses with error "UNKNOWN_PROVIDER"
    And the Secure Element of device "tracker" trusts provider "Operator A" with transfer sequence 0
