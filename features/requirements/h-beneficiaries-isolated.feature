@requirements
Feature: 6.3.1 h) Beneficiaries work at the same time without compromising or disturbing one another
  Requirement 6.3.1 h): "The OBF enables permits multiple beneficiaries of an IoT Device / IoT Device Data to
  simultaneously benefit from the security framework without compromising / interfering with the privacy / security
  requirements of the other beneficiary."
  The profile's reading (docs/profile/providers.md section 6): beneficiaries asking at the same time each get their
  own key, equal to the card's derivation for their NAF_Id and different from every other's (key isolation); one
  beneficiary's revocation leaves the others' rights and keys untouched. (Replay counters are per device, key
  index and Application Server: the Appendix B features check them.)

  Background:
    Given device "A" with its Secure Element
    And Application Server "Emergency Response" is registered with the Authentication Server
    And Application Server "State VTAMS" is registered with the Authentication Server
    And Application Server "Fleet Owner" is registered with the Authentication Server
    And the Resource Server grants "Emergency Response" rights over device "A" for "alarm"
    And the Resource Server grants "State VTAMS" rights over device "A" for "position"
    And the Resource Server grants "Fleet Owner" rights over device "A" for "position, diagnostics"
    And device "A" has bootstrapped with the Authentication Server

  @OBF-6.3.1-h @OBF-6.1 @OBF-6.4.2-RPO @TP/OBF/REQ-H/BV-01
  Scenario: Three beneficiaries asking at the same time each get their own key
    When "Emergency Response", "State VTAMS" and "Fleet Owner" ask for the key of device "A" at the same time
    Then the keys given to "Emergency Response", "State VTAMS" and "Fleet Owner" all differ
    And each key equals the Ks_ext_NAF the Secure Element of device "A" derives for its Application Server

  @OBF-6.3.1-h @OBF-6.4.2-RPR @TP/OBF/REQ-H/BI-01
  Scenario: One beneficiary's revocation leaves the others working
    When the Resource Server revokes the rights of "Fleet Owner" over device "A"
    And Application Server "Fleet Owner" asks for the key of device "A"
    Then the Authentication Server refuses the key request with error "NO_RIGHTS"
    When Application Server "Emergency Response" asks for the key of device "A"
    Then the Authentication Server gives "Emergency Response" the key of device "A" with its identity, lifetime and the data classes "alarm"
