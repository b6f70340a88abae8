@requirements
Feature: 6.3.1 a) The OBF is neutral between telecom, M2M and application service providers
  Requirement 6.3.1 a): "The OBF is required to be TSP, M2MSP and ASP neutral, permitting users to freely move
  between TSPs, M2MSPs and ASPs."
  The profile's reading (docs/profile/providers.md): one device and one Secure Element (an eUICC with a profile of
  each provider) bootstrap with the Authentication Server of a provider of each kind through the same RPB, and an
  Application Server uses each through the same RPO, with no change but the provider it asks. Each provider answers
  only for its own bootstraps.

  Background:
    Given device "A" whose eUICC holds profiles of "Operator A", "M2M Provider" and "App Provider"
    And Application Server "State VTAMS" is registered with "Operator A", "M2M Provider" and "App Provider"

  Scenario Outline: The same device bootstraps with a provider of each kind and the Application Server works unchanged
    Given the eUICC of device "A" has enabled its profile of "<provider>"
    And "<provider>" grants "State VTAMS" rights over device "A" for "position"
    When device "A" bootstraps with "<provider>"
    And Application Server "State VTAMS" asks "<provider>" for the key of device "A"
    Then "State VTAMS" gets the key the Secure Element of device "A" derives for it
    And the B-TID of device "A" names the realm of "<provider>"

    @OBF-6.3.1-a @OBF-6.4.2-RPB @OBF-6.4.2-RPO @TP/OBF/REQ-A/BV-01
    Examples: a telecom operator
      | provider     |
      | Operator A   |

    @OBF-6.3.1-a @OBF-6.3.1-d @OBF-6.4.2-RPB @OBF-6.4.2-RPO @TP/OBF/REQ-A/BV-02
    Examples: an M2M service provider
      | provider     |
      | M2M Provider |

    @OBF-6.3.1-a @OBF-6.3.1-d @OBF-6.4.2-RPB @OBF-6.4.2-RPO @TP/OBF/REQ-A/BV-03
    Examples: an application service provider
      | provider     |
      | App Provider |

  @OBF-6.3.1-a @OBF-6.4.2-RPO @TP/OBF/REQ-A/BI-01
  Scenario: A provider gives no key for a B-TID another provider issued
    Given the eUICC of device "A" has enabled its profile of "M2M Provider"
    And "M2M Provider" grants "State VTAMS" rights over device "A" for "position"
    And device "A" has bootstrapped with "M2M Provider"
    When Application Server "State VTAMS" asks "Operator A" for the key of device "A"
    Then the Authentication Server refuses the key request with error "UNKNOWN_BTID"
