@reference-points @gba-compatibility @OBF-6.4.2-RPB
Feature: GBA compatibility of the bootstrap and its keys (OBF draft clause 6; 3GPP TS 33.220, TS 31.102)
  The draft builds on GBA: the Authentication Server plays the BSF, the Secure Element runs GBA_U. A product that
  follows the profile must therefore give the values GBA defines, which the harness recomputes itself from the
  test card's K and OPc and the RAND of the challenge (docs/profile/gba-api.md section 13): the B-TID, EF_GBABP
  after a bootstrap, the NAF keys of TS 33.220 Annex B with the NAF_Id as FQDN || Ua security protocol
  identifier, and Ks_int_NAF, which never leaves the card.

  Background:
    Given device "A" with its Secure Element

  @TP/OBF/GBA/BV-01
  Scenario: After a bootstrap EF_GBABP holds the RAND, the B-TID base64(RAND)@realm and the key lifetime
    When device "A" bootstraps with the Authentication Server
    Then the B-TID of device "A" is base64 of the RAND of its last challenge at the realm
    And EF_GBABP of device "A" holds the RAND of its last challenge, its B-TID and key lifetime
    When device "A" bootstraps with the Authentication Server
    Then EF_GBABP of device "A" holds the RAND of its last challenge, its B-TID and key lifetime

  @TP/OBF/GBA/BV-02
  Scenario: The card's Ks_ext_NAF is the TS 33.220 Annex B key of the NAF_Id, FQDN || Ua protocol identifier
    Given device "A" has bootstrapped with the Authentication Server
    Then for the NAF FQDN "vtams.state.example" with the Ua protocols "0100000002" and "FF4F424601" the Secure Element of device "A" answers the Ks_ext_NAF of TS 33.220 Annex B, one per NAF_Id

  @OBF-6.4.2-RPO @OBF-6.4.2-RPA @TP/OBF/GBA/BV-03
  Scenario: The Authentication Server gives an entitled Application Server the GBA_U key Ks_int_NAF
    Given Application Server "State VTAMS" is registered with the Authentication Server
    And the Resource Server grants "State VTAMS" rights over device "A" for "position"
    And device "A" has bootstrapped with the Authentication Server
    When Application Server "State VTAMS" asks for the key of device "A"
    Then the Ks_int_NAF given to "State VTAMS" for device "A" is KDF(Ks, "gba-u", RAND, IMPI, NAF_Id) and differs from its Ks_ext_NAF

  @OBF-6.4.2-RPA @TP/OBF/GBA/BI-01
  Scenario: Ks_int_NAF never leaves the card
    Given Application Server "State VTAMS" is registered with the Authentication Server
    And the Resource Server grants "State VTAMS" rights over device "A" for "position"
    And device "A" has bootstrapped with the Authentication Server
    When Application Server "State VTAMS" asks for the key of device "A"
    Then no answer of the Secure Element of device "A" to INSTALL RPA KEYSET or NAF derivation for "State VTAMS" contains its Ks_int_NAF
