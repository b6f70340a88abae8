@requirements
Feature: 6.3.1 c) Transferring a device's key data to a new provider
  Requirement 6.3.1 c): "There is a requirement for a process to transfer key data to a new TSP/M2MSP/ASP."
  The profile's reading (docs/profile/providers.md section 4), the most protective one: the owner of the
  subscription authorises the transfer with its credential at the old provider; what moves is the device's rights
  (which Application Server may have keys for which data) and identities, never K, OPc, Ks or a NAF key; the new
  provider's keys come from its own subscription (a new eUICC profile here, or mechanism 6.4.3 a); afterwards the
  old provider neither bootstraps the subscription nor hands out keys for its B-TIDs.

  Background:
    Given device "A" whose eUICC holds profiles of "Operator A" and "M2M Provider"
    And Application Server "Fleet Owner" is registered with "Operator A" and "M2M Provider"
    And "Operator A" grants "Fleet Owner" rights over device "A" for "position, alarm"
    And device "A" has bootstrapped with "Operator A"

  @OBF-6.3.1-c @OBF-6.4.2-RPR @TP/OBF/REQ-C/BV-01
  Scenario: Rights move to the new provider without any key material, and the device works there
    When the owner transfers device "A" from "Operator A" to "M2M Provider"
    And device "A" bootstraps with "M2M Provider"
    And Application Server "Fleet Owner" asks "M2M Provider" for the key of device "A"
    Then what moved holds the rights of "Fleet Owner" for "position, alarm" and no key material of device "A"
    And "Fleet Owner" gets the key the Secure Element of device "A" derives for it

  @OBF-6.3.1-c @OBF-6.4.2-RPO @TP/OBF/REQ-C/BI-01
  Scenario: After the transfer the old provider hands out no key for its B-TID
    When the owner transfers device "A" from "Operator A" to "M2M Provider"
    And Application Server "Fleet Owner" asks "Operator A" for the key of device "A"
    Then the Authentication Server refuses the key request with error "SUBSCRIPTION_TRANSFERRED"

  @OBF-6.3.1-c @OBF-6.4.2-RPB @TP/OBF/REQ-C/BI-02
  Scenario: After the transfer the old provider no longer bootstraps the subscription
    When the owner transfers device "A" from "Operator A" to "M2M Provider"
    And device "A" bootstraps with "Operator A"
    Then the Authentication Server refuses the bootstrap of device "A" with error "SUBSCRIPTION_TRANSFERRED"
