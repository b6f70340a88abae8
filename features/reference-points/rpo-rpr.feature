@reference-points @rpo @needs-gba-u
Feature: RPO and RPR, key material only for entitled Application Servers (OBF draft 3.2 v-vi, 6.1, 6.4.2; GBA Zn)
  An Application Server fetches the key material of a bootstrapped device from the Authentication Server over RPO,
  authenticating itself. The Authentication Server restricts the key material to Application Servers that the
  Resource Server grants rights over that device (RPR), and the key lives only as long as its local policy says.
  The profile's reading (docs/profile/gba-api.md): rights are asked on every request, so a revocation applies at
  once; an Application Server gets keys only for its own NAF_Id.

  Background:
    Given device "A" with its Secure Element
    And Application Server "State VTAMS" is registered with the Authentication Server
    And device "A" has bootstrapped with the Authentication Server

  @OBF-6.1 @OBF-6.4.2-RPO @OBF-6.4.2-RPR @TP/OBF/RPO/BV-01
  Scenario: Each Application Server gets its own key, the one the card derives for its NAF_Id
    Given Application Server "Emergency Response" is registered with the Authentication Server
    And the Resource Server grants "State VTAMS" rights over device "A" for "position"
    And the Resource Server grants "Emergency Response" rights over device "A" for "alarms"
    When Application Server "State VTAMS" asks for the key of device "A"
    And Application Server "Emergency Response" asks for the key of device "A"
    Then the keys given to "State VTAMS" and "Emergency Response" differ
    And each key equals the Ks_ext_NAF the Secure Element of device "A" derives for its Application Server

  @OBF-6.1 @OBF-6.4.2-RPO @OBF-6.4.2-RPR @TP/OBF/RPO/BI-01
  Scenario: An Application Server without rights over the device gets no key
    When Application Server "State VTAMS" asks for the key of device "A"
    Then the Authentication Server refuses the key request with error "NO_RIGHTS"

  @OBF-6.1 @OBF-6.4.2-RPO @OBF-6.4.2-RPR @TP/OBF/RPO/BI-02
  Scenario: Rights revoked at the Resource Server take effect at once
    Given the Resource Server grants "State VTAMS" rights over device "A" for "position"
    And Application Server "State VTAMS" asks for the key of device "A"
    When the Resource Server revokes the rights of "State VTAMS" over device "A"
    And Application Server "State VTAMS" asks for the key of device "A"
    Then the Authentication Server refuses the key request with error "NO_RIGHTS"

  @OBF-6.4.2-RPO @TP/OBF/RPO/BI-03
  Scenario: An Application Server cannot fetch the key of another Application Server's NAF_Id
    Given Application Server "Fleet Owner" is registered with the Authentication Server
    And the Resource Server grants "State VTAMS" rights over device "A" for "position"
    When Application Server "Fleet Owner" asks for the key of device "A" for the NAF_Id of "State VTAMS"
    Then the Authentication Server refuses the key request with error "NAF_NOT_AUTHORISED"

  @OBF-6.1 @OBF-6.4.2-RPO @TP/OBF/RPO/BI-04 @needs-clock-hook
  Scenario: Key material is not handed out after its lifetime
    Given the Resource Server grants "State VTAMS" rights over device "A" for "position"
    And the key lifetime has passed
    When Application Server "State VTAMS" asks for the key of device "A"
    Then the Authentication Server refuses the key request with error "BTID_EXPIRED"

  @OBF-6.4.2-RPO @TP/OBF/RPO/BI-05
  Scenario: A B-TID the Authentication Server never issued gets no key
    Given the Resource Server grants "State VTAMS" rights over device "A" for "position"
    When Application Server "State VTAMS" presents a B-TID the Authentication Server never issued
    Then the Authentication Server refuses the key request with error "UNKNOWN_BTID"
